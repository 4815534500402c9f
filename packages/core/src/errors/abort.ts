import { ErrorCode } from './error-codes.js';
import { S3loError } from './s3lo-error.js';

/**
 * Throws an ABORTED error when `signal` has fired. Long loops call this
 * between steps so cancellation takes effect promptly.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** The ABORTED error for a fired signal, carrying the signal's reason. */
export function abortError(signal: AbortSignal): S3loError {
  return new S3loError(ErrorCode.ABORTED, 'the operation was aborted', { cause: signal.reason });
}

/**
 * True for any abort: ours (ABORTED), Node's `AbortError` from streams and
 * fs, and DOM-style `AbortError`s from fetch-based SDKs.
 */
export function isAbortError(error: unknown): boolean {
  if (S3loError.isInstance(error, ErrorCode.ABORTED)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'ABORT_ERR';
}
