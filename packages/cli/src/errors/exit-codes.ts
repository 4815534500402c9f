/**
 * The exit codes of `s3lo`, a small documented set scripts can branch on.
 * Shells already use 126-128 and 128+N; we only borrow 130 (128 + SIGINT),
 * which every shell user reads as "interrupted".
 */
export const ExitCode = {
  /** The command did what was asked. */
  OK: 0,
  /** The operation failed: not found, refused, store or network error, timeout. */
  FAILED: 1,
  /** The command line is wrong: unknown command or flag, bad value, bad reference. Nothing was done. */
  USAGE: 2,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM; the operation was cancelled cleanly. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
