// The abort reasons the CLI gives its own signals, so a failure can be told
// apart as the user's Ctrl-C (exit 130) or the clock (exit 1).

/**
 * Why an operation stopped early on the user's request (Ctrl-C, SIGTERM).
 * It is the abort reason of the CLI's signal, so the CLI can tell an
 * interruption (exit 130) from a timeout (exit 1) however the library
 * wrapped the abort.
 */
export class InterruptedError extends Error {
  /** An interruption by the signal `signalName` (`SIGINT`, `SIGTERM`). */
  constructor(readonly signalName: string) {
    super(`interrupted (${signalName})`);
    this.name = 'InterruptedError';
  }
}

/** The `--timeout` ran out; the abort reason of the timeout signal. */
export class TimeoutError extends Error {
  constructor(readonly text: string) {
    super(`timed out after ${text} (--timeout)`);
    this.name = 'TimeoutError';
  }
}
