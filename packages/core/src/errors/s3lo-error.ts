import type { ErrorCode } from './error-codes.js';

// A registered symbol is shared by every copy of @s3lo/core loaded in one
// process, so errors thrown by a plugin built against another copy are still
// recognised. `instanceof` would fail there.
const marker = Symbol.for('@s3lo/core/error');

/** Options for {@link S3loError}. */
export interface S3loErrorOptions {
  /** The error this one wraps (an SDK error, an fs error, ...). */
  cause?: unknown;
  /** Machine-readable context: the key, the reference, the expected digest. */
  details?: Record<string, unknown>;
  /** One line telling the user what to do about it, when there is something. */
  hint?: string;
}

/**
 * The one error type of s3lo. Branch on {@link S3loError.code}; detect with
 * {@link S3loError.isInstance} (works across package copies), never with
 * `instanceof` or message text.
 *
 * @example
 * ```ts
 * import { S3loError, ErrorCode } from '@s3lo/core';
 * try {
 *   await backend.stat('blobs/sha256/abc', { signal });
 * } catch (err) {
 *   if (S3loError.isInstance(err, ErrorCode.NOT_FOUND)) return undefined;
 *   throw err;
 * }
 * ```
 */
export class S3loError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly hint: string | undefined;
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through a structural cast, which works across copies of the package
  private readonly [marker] = true;

  /**
   * An error with a stable code.
   * @param code What went wrong, stable across versions: what callers branch on.
   * @param message One line for a person, naming the thing concerned.
   * @param options The wrapped cause, machine-readable details, a hint.
   */
  constructor(code: ErrorCode, message: string, options: S3loErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'S3loError';
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }

  /**
   * True when `error` is an s3lo error (from any copy of the package), and,
   * when `code` is given, carries that code.
   */
  static isInstance(error: unknown, code?: ErrorCode): error is S3loError {
    if (typeof error !== 'object' || error === null) return false;
    if ((error as { [marker]?: unknown })[marker] !== true) return false;
    return code === undefined || (error as S3loError).code === code;
  }
}

/** Shorthand for `S3loError.isInstance(error, code)`. */
export function hasErrorCode(error: unknown, code: ErrorCode): error is S3loError {
  return S3loError.isInstance(error, code);
}
