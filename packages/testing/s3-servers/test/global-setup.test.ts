// The global setup as a consumer uses it (by package name, built): a nested
// vitest run whose only test fails still stops every server it started.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { expectGone, expectPortClosed, GONE_WITHIN_MS, portOf } from './helpers.js';

const config = fileURLToPath(new URL('./fixtures/failing-run/vitest.config.ts', import.meta.url));
const vitestCli = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');

/**
 * The nested run is a whole vitest run that starts Ceph and s3rver: a few
 * seconds on an idle machine, many times that while the rest of the suite
 * runs beside it on two cores. Nothing in it is timed by this test; the run's
 * own deadlines bound it (the Ceph start gives up after 60 s, vitest's
 * teardown after 10 s), and this only catches a run that hangs past them.
 */
const NESTED_RUN_TIMEOUT_MS = 240_000;

it('a failing run still stops the servers it started (teardown)', { timeout: NESTED_RUN_TIMEOUT_MS }, async () => {
  const work = await mkdtemp(join(tmpdir(), 's3lo-nested-run-'));
  const out = join(work, 'servers.json');
  const probeOut = join(work, 'modules.json');
  const env: NodeJS.ProcessEnv = { ...process.env, S3LO_TEST_S3: 'ceph-rgw,s3rver', S3LO_FIXTURE_OUT: out, S3LO_FIXTURE_PROBE_OUT: probeOut };
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  const child = spawn(process.execPath, [vitestCli, 'run', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(1);
    expect(output).toMatch(/s3-servers: .*ceph-rgw http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/1 failed/);
    expect(output).toMatch(/s3-servers: stopped ceph-rgw, s3rver/);
    const servers = JSON.parse(await readFile(out, 'utf8')) as { kind: string; dir: string; endpoint: string }[];
    expect(servers.map((s) => s.kind)).toEqual(['ceph-rgw', 's3rver']);
    for (const server of servers) {
      await expectGone(server.dir, GONE_WITHIN_MS);
      await expectPortClosed(portOf(server.endpoint), GONE_WITHIN_MS);
    }
    // The setup loads the AWS SDK natively: vite transformed its ~700 files
    // in every run before (seconds of CPU, see src/aws-sdk.ts).
    const probe = JSON.parse(await readFile(probeOut, 'utf8')) as { evaluated: number; awsSdk: string[] };
    expect(probe.evaluated).toBeGreaterThan(0);
    expect(probe.awsSdk).toEqual([]);
  } finally {
    // A failed or timed-out test must not leave the nested run behind (its
    // servers' watchdogs then stop them).
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  }
});
