// No daemon outlives the process that started it: signals and process.exit
// run the exit hooks; SIGKILL leaves it to the watchdog.
// Nothing here waits a fixed time: each step waits for an event (the
// holder's line, its exit, the servers gone), bounded generously (see
// GONE_WITHIN_MS).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { portOpen } from '../src/process.js';
import { expectGone, expectPortClosed, GONE_WITHIN_MS, portOf } from './helpers.js';

const holder = fileURLToPath(new URL('./fixtures/hold-servers.mjs', import.meta.url));

interface Held {
  kind: string;
  dir: string;
  endpoint: string;
}

/** Per test: the holder starts Ceph (its own deadline is 60 s), then everything must be gone. */
const TEST_TIMEOUT_MS = 180_000;

async function hold(mode: 'wait' | 'exit', kinds: string[]) {
  // stdin: in `exit` mode the holder exits when told to, after we have looked at its servers.
  const child = spawn(process.execPath, [holder, mode, ...kinds], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`holder exited (${code}) before printing its servers`)));
  });
  lines.close();
  const held = JSON.parse(first) as Held[];
  for (const server of held) expect(await portOpen(portOf(server.endpoint))).toBe(true);
  return { child, held, exited };
}

async function expectAllGone(held: Held[]) {
  await Promise.all(held.map((server) => expectGone(server.dir, GONE_WITHIN_MS)));
  await Promise.all(held.map((server) => expectPortClosed(portOf(server.endpoint), GONE_WITHIN_MS)));
}

describe('cleanup when the owner goes away', { timeout: TEST_TIMEOUT_MS }, () => {
  it('SIGTERM: the exit hooks kill the process groups at once', async () => {
    const { child, held, exited } = await hold('wait', ['ceph-rgw', 's3rver']);
    child.kill('SIGTERM');
    await exited;
    expect(child.signalCode).toBe('SIGTERM');
    await expectAllGone(held);
  });

  it('SIGINT: the same', async () => {
    const { child, held, exited } = await hold('wait', ['s3rver']);
    child.kill('SIGINT');
    await exited;
    await expectAllGone(held);
  });

  it('process.exit without stop(): the exit hook', async () => {
    const { child, held, exited } = await hold('exit', ['s3rver']);
    child.stdin.end('exit\n');
    await exited;
    expect(child.exitCode).toBe(0);
    await expectAllGone(held);
  });

  it('SIGKILL: the watchdog notices within seconds', async () => {
    const { child, held, exited } = await hold('wait', ['ceph-rgw', 's3rver']);
    child.kill('SIGKILL');
    await exited;
    const t0 = performance.now();
    await expectAllGone(held);
    console.log(`watchdog: everything gone ${((performance.now() - t0) / 1000).toFixed(1)} s after the SIGKILL`);
  });
});
