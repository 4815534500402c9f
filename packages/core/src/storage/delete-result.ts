import type { S3loError } from '../errors/s3lo-error.js';
import type { DeleteResult } from './backend.js';

/**
 * The {@link DeleteResult} of a `deleteMany(keys)`: every key is deleted
 * unless `failureOf` returns its error. Keys keep the caller's order.
 *
 * @example
 * ```ts
 * const failures = new Map<string, S3loError>();
 * // ... delete, recording per-key failures ...
 * return deleteResult(keys, (key) => failures.get(key));
 * ```
 */
export function deleteResult(keys: readonly string[], failureOf: (key: string, index: number) => S3loError | undefined): DeleteResult {
  const deleted: string[] = [];
  const failed: { key: string; error: S3loError }[] = [];
  keys.forEach((key, index) => {
    const error = failureOf(key, index);
    if (error === undefined) deleted.push(key);
    else failed.push({ key, error });
  });
  return { deleted, failed };
}
