import { MAX_TIMER_MS } from '@s3lo/core';

// Past MAX_TIMER_MS Node fires a timer after 1 ms, and `AbortSignal.timeout`
// throws past 2^32-1 ms: how `--timeout 25d` stopped a command at once and
// `--timeout 50d` crashed it.

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
