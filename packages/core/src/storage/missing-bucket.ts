import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';

/**
 * The NOT_FOUND a backend raises when its bucket itself does not exist (an
 * S3 `NoSuchBucket`, a `local://` directory that is not there), told apart
 * from a missing key by `details.missing === 'bucket'`, so a caller that
 * reads "not found" as "no such tag" can say the right thing instead.
 *
 * @example
 * ```ts
 * throw bucketNotFound('my-bucket', `the bucket "my-bucket" does not exist`, { hint: 'check the bucket name' });
 * ```
 */
export function bucketNotFound(bucket: string, message: string, options: { readonly cause?: unknown; readonly hint?: string } = {}): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, message, { ...options, details: { bucket, missing: 'bucket' } });
}

/**
 * True for the NOT_FOUND of a missing bucket ({@link bucketNotFound}, or
 * any backend error with `details.missing === 'bucket'`).
 *
 * @example
 * ```ts
 * if (S3loError.isInstance(error, ErrorCode.NOT_FOUND) && !isBucketNotFound(error)) return undefined; // just no such key
 * ```
 */
export function isBucketNotFound(error: unknown): error is S3loError {
  return S3loError.isInstance(error, ErrorCode.NOT_FOUND) && error.details['missing'] === 'bucket';
}
