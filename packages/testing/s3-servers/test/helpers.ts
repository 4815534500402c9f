import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { portOpen, sleep } from '../src/process.js';

/**
 * How long servers may take to be gone once their owner stopped them or went
 * away. Every wait below returns as soon as the condition holds; the bound
 * only turns a leak into a failure instead of a hang, so it is far above what
 * the work takes (the exit hooks kill at once, the watchdog within ~3 s): the
 * whole suite runs at once on two shared cores, where reaping a process can
 * take many times longer than on an idle machine.
 */
export const GONE_WITHIN_MS = 60_000;

/** PIDs of processes whose command line mentions `text` (pgrep -f), except pgrep's own shell. */
export function processesMentioning(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('pgrep', ['-af', '--', text], (error, stdout) => {
      // pgrep exits 1 when nothing matches.
      if (error && error.code !== 1) reject(error);
      else
        resolve(
          String(stdout)
            .split('\n')
            .filter((line) => line.trim() !== ''),
        );
    });
  });
}

/** Waits (bounded) until no process mentions `dir` and `dir` is gone. */
export async function expectGone(dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await processesMentioning(dir);
    if (left.length === 0 && !existsSync(dir)) return;
    if (Date.now() > deadline) {
      throw new Error(`after ${timeoutMs} ms: ${left.length} process(es) still mention ${dir}${existsSync(dir) ? ' and it still exists' : ''}:\n${left.join('\n')}`);
    }
    await sleep(100);
  }
}

/**
 * Waits (bounded) until nothing listens on `port`. A killed process can drop
 * out of pgrep (its memory, and so its command line, goes first) a moment
 * before its sockets are closed, so one look right after is not enough.
 */
export async function expectPortClosed(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await portOpen(port)) {
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms something still listens on port ${port}`);
    await sleep(50);
  }
}

export function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}
