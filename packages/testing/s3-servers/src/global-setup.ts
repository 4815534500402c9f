/**
 * vitest globalSetup: starts the S3 servers chosen by S3LO_TEST_S3 once per
 * test run (in vitest's main process), provides their connection facts to
 * the test files (`injectS3Servers()` from `@s3lo/s3-servers/vitest`), and
 * stops them when the run ends, whether tests passed or not.
 *
 *   // vitest.config.ts
 *   test: { globalSetup: ['@s3lo/s3-servers/global-setup'] }
 *
 * If vitest itself is interrupted (SIGINT/SIGTERM/exit) the daemons' process
 * groups are killed by this package's exit hooks; if it is killed outright,
 * a watchdog per server does it within a second or two.
 */
import type { TestProject } from 'vitest/node';
import { serverInfo } from './client.js';
import { PROVIDED_KEY } from './provided.js';
import { S3_SERVERS_ENV, selectS3Servers, startS3Server } from './select.js';
import type { S3TestServer } from './types.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kinds = selectS3Servers();
  const started: S3TestServer[] = [];
  const timings: string[] = [];
  const results = await Promise.allSettled(
    kinds.map(async (kind) => {
      const t0 = performance.now();
      const server = await startS3Server(kind);
      started.push(server);
      timings.push(`${kind} ${server.endpoint} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      return server;
    }),
  );
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${kinds[i]}: ${(r.reason as Error).message}`] : []));
  if (failures.length > 0) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw new Error(`S3 test servers did not start (${S3_SERVERS_ENV}=${process.env[S3_SERVERS_ENV] ?? ''}, i.e. ${kinds.join(',')}):\n${failures.join('\n\n')}`);
  }
  // In the order of `kinds`, whatever finished first.
  const servers = kinds.map((kind) => started.find((s) => s.kind === kind) as S3TestServer);
  process.stderr.write(`s3-servers: ${timings.join(', ')}\n`);
  project.provide(PROVIDED_KEY, servers.map(serverInfo));

  return async function teardown() {
    const t0 = performance.now();
    await Promise.allSettled(servers.map((s) => s.stop()));
    process.stderr.write(`s3-servers: stopped ${kinds.join(', ')} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  };
}
