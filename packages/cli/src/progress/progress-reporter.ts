import type { BlobProgress, CopyStart } from '@s3lo/core/image';

/**
 * What push, pull and copy report while they run, wired to the library's
 * `onStart`, `onProgress` and `onBlob` callbacks. Implementations draw
 * bars on a terminal, print a line per blob (`--verbose` off a terminal),
 * or nothing.
 */
export interface ProgressReporter {
  start(start: CopyStart): void;
  progress(progress: BlobProgress): void;
  blob(digest: string, size: number, skipped: boolean): void;
  /**
   * Prints a line for people on stderr without tearing the bars (a
   * reporter that draws none leaves this out: the line is then a plain note).
   */
  note?(line: string): void;
  /** Removes anything drawn; called when the transfer ends, however it ends. Idempotent. */
  finish(): void;
}

/** No progress at all: not a terminal, `--quiet`, or `-o json|yaml`. */
export const silentProgress: ProgressReporter = {
  start() {},
  progress() {},
  blob() {},
  finish() {},
};
