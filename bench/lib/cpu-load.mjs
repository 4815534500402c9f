// CPU time used by the whole machine (all processes), from /proc/stat, to
// see how much of it went to processes other than the one measured: the
// bench may share the machine with builds and tests.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const HZ = 100; // USER_HZ: /proc/stat counts in 1/100 s on Linux

/** Busy CPU seconds of the machine so far (user, nice, system, irq, softirq, steal), or undefined off Linux. */
export function machineBusySeconds() {
  if (!existsSync('/proc/stat')) return undefined;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / HZ;
}

/**
 * Waits until the machine is quiet: the busy CPU, averaged over 0.5 s windows,
 * below `threshold` cores for two windows in a row, or `maxWaitMs` passed.
 * Returns how long it waited and whether it got quiet.
 */
export async function waitForQuiet({ threshold = 0.25, maxWaitMs = 120_000, onWait } = {}) {
  if (machineBusySeconds() === undefined || maxWaitMs <= 0) return { waitedMs: 0, quiet: undefined };
  const started = Date.now();
  let quietWindows = 0;
  let warned = false;
  while (Date.now() - started < maxWaitMs) {
    const before = machineBusySeconds();
    const t0 = Date.now();
    await sleep(500);
    const busyCores = (machineBusySeconds() - before) / ((Date.now() - t0) / 1000);
    if (busyCores < threshold) {
      if (++quietWindows >= 2) return { waitedMs: Date.now() - started, quiet: true };
    } else {
      quietWindows = 0;
      if (!warned) onWait?.(busyCores);
      warned = true;
    }
  }
  return { waitedMs: Date.now() - started, quiet: false };
}
