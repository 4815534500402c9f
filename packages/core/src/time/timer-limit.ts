import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';

/**
 * The longest delay a Node timer holds: 2^31-1 ms (about 24.8 days). A
 * longer one is no error to Node: it warns (TimeoutOverflowWarning) and
 * fires after 1 ms, so a "wait very long" turns into "do it at once".
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `ms`, when a timer can be armed with it: a finite number from `min`
 * (default 0) to {@link MAX_TIMER_MS}. Anything else is INVALID_ARGUMENT
 * naming the option, instead of a timer that fires at once.
 *
 * @example
 * ```ts
 * const renewEveryMs = checkTimerMs('renewEveryMs', options.renewEveryMs ?? 300_000);
 * setTimeout(renew, renewEveryMs);
 * ```
 */
export function checkTimerMs(name: string, ms: number, min = 0): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < min || ms > MAX_TIMER_MS) {
    throw new S3loError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS} (about 24.8 days, the longest a timer holds), got ${String(ms)}`,
    );
  }
  return ms;
}
