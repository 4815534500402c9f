// The global setup as a consumer uses it (by package name, built): a nested
// vitest run whose only test fails still stops every server it started.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { portOpen } from '../src/process.js';
import { expectGone, portOf } from './helpers.js';

const config = fileURLToPath(new URL('./fixtures/failing-run/vitest.config.ts', import.meta.url));
const vitestCli = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');

it('a failing run still stops the servers it started (teardown)', async () => {
  const work = await mkdtemp(join(tmpdir(), 's3lo-nested-run-'));
  const out = join(work, 'servers.json');
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, S3LO_TEST_S3: 'ceph-rgw,s3rver', S3LO_FIXTURE_OUT: out };
    delete env.VITEST;
    delete env.VITEST_WORKER_ID;
    delete env.VITEST_POOL_ID;
    const child = spawn(process.execPath, [vitestCli, 'run', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      await expectGone(server.dir, 2000);
      expect(await portOpen(portOf(server.endpoint))).toBe(false);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
