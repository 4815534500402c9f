/**
 * The longest delay a Node timer holds: 2^31-1 ms (about 24.8 days). A
 * longer one is not an error to Node: it warns (TimeoutOverflowWarning) and
 * fires after 1 ms, and `AbortSignal.timeout` throws past 2^32-1 ms, which
 * is how `--timeout 25d` stopped a command at once and `--timeout 50d`
 * crashed it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `AbortSignal.timeout(ms)` for any duration: beyond {@link MAX_TIMER_MS} the
 * wait is a chain of timers, each re-armed for what is left of the deadline.
 * Like `AbortSignal.timeout`, it does not keep the process alive and aborts
 * with a `TimeoutError` DOMException.
 */
export function timeoutSignal(ms: number): AbortSignal {
  if (ms <= MAX_TIMER_MS) return AbortSignal.timeout(ms);
  const controller = new AbortController();
  const deadline = performance.now() + ms;
  const arm = (): void => {
    const left = deadline - performance.now();
    if (left <= 0) {
      controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      return;
    }
    setTimeout(arm, Math.min(left, MAX_TIMER_MS)).unref();
  };
  arm();
  return controller.signal;
}
