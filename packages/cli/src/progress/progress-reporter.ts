import type { BlobProgress } from '@s3lo/core/image';

/** What a run is about to do: the library's `CopyStart` (push, pull, copy) or `VerifyStart` (verify). */
export interface ProgressStart {
  readonly blobs: number;
  readonly totalBytes: number;
  readonly platforms?: readonly string[];
}

/** How a line per blob (`--verbose` off a terminal) says what happened to it. */
export interface ProgressWords {
  /** The blob's bytes were read: `copied` for a transfer, `hashed` for verify. */
  readonly moved: string;
  /** Nothing moved: `exists` for a transfer. */
  readonly skipped: string;
}

/**
 * What push, pull, copy and verify report while they run, wired to the
 * library's `onStart`, `onProgress` and `onBlob` callbacks. Implementations
 * draw bars on a terminal, print a line per blob (`--verbose` off a
 * terminal), or nothing.
 */
export interface ProgressReporter {
  start(start: ProgressStart): void;
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
