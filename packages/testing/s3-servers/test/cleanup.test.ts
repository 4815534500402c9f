// No daemon outlives the process that started it: signals and process.exit
// run the exit hooks; SIGKILL leaves it to the watchdog.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { portOpen } from '../src/process.js';
import { expectGone, expectPortClosed, portOf } from './helpers.js';

const holder = fileURLToPath(new URL('./fixtures/hold-servers.mjs', import.meta.url));

interface Held {
  kind: string;
  dir: string;
  endpoint: string;
}

async function hold(mode: 'wait' | 'exit', kinds: string[]) {
  const child = spawn(process.execPath, [holder, mode, ...kinds], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function expectAllGone(held: Held[], timeoutMs: number) {
  await Promise.all(held.map((server) => expectGone(server.dir, timeoutMs)));
  await Promise.all(held.map((server) => expectPortClosed(portOf(server.endpoint), timeoutMs)));
}

describe('cleanup when the owner goes away', () => {
  it('SIGTERM: the exit hooks kill the process groups at once', async () => {
    const { child, held, exited } = await hold('wait', ['ceph-rgw', 's3rver']);
    child.kill('SIGTERM');
    await exited;
    expect(child.signalCode).toBe('SIGTERM');
    await expectAllGone(held, 3000);
  });

  it('SIGINT: the same', async () => {
    const { child, held, exited } = await hold('wait', ['s3rver']);
    child.kill('SIGINT');
    await exited;
    await expectAllGone(held, 3000);
  });

  it('process.exit without stop(): the exit hook', async () => {
    const { held, exited } = await hold('exit', ['s3rver']);
    await exited;
    await expectAllGone(held, 3000);
  });

  it('SIGKILL: the watchdog notices within seconds', async () => {
    const { child, held, exited } = await hold('wait', ['ceph-rgw', 's3rver']);
    child.kill('SIGKILL');
    await exited;
    await expectAllGone(held, 10_000);
  });
});
