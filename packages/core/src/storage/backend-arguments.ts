import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { ByteRange, ListOptions, PutOptions } from './backend.js';
import { assertValidPrefix } from './key.js';

/**
 * The longest presigned URL lifetime the stores we serve allow (SigV4, GCS
 * V4 signing, an Azure user delegation key): 7 days.
 */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60;

/** What a store needs to be told apart in {@link assertBucketName}'s message. */
export interface BucketNameOptions {
  /** The backend's name in messages, e.g. `s3`, `gs`, `azure`. */
  readonly backend: string;
  /** The reference scheme, e.g. `s3`, `gs`, `az`. */
  readonly scheme: string;
  /** What the store calls a bucket: `bucket`, `container`. */
  readonly noun: string;
}

/**
 * Throws INVALID_ARGUMENT unless `name` can name a bucket (a non-empty
 * string without `/`). Backend constructors call it first, so a bad
 * reference fails before any SDK is loaded.
 *
 * @example
 * ```ts
 * assertBucketName('my-images', { backend: 's3', scheme: 's3', noun: 'bucket' }); // ok
 * assertBucketName('', { backend: 'azure', scheme: 'az', noun: 'container' });   // throws INVALID_ARGUMENT
 * ```
 */
export function assertBucketName(name: unknown, options: BucketNameOptions): asserts name is string {
  if (typeof name === 'string' && name !== '' && !name.includes('/')) return;
  const { backend, scheme, noun } = options;
  throw new S3loError(ErrorCode.INVALID_ARGUMENT, `the ${backend} backend needs a ${noun} name, got ${JSON.stringify(name)}`, {
    hint: `use a reference like ${scheme}://my-${noun}/app:v1`,
  });
}

/**
 * Throws INVALID_ARGUMENT unless `range` is absent or has a non-negative
 * integer offset and (when given) length, as {@link GetOptions.range}
 * requires. Backends call it at the top of `get`, before any request.
 *
 * @example
 * ```ts
 * assertValidRange({ offset: 0, length: 512 }); // ok
 * assertValidRange({ offset: -1 });             // throws INVALID_ARGUMENT
 * ```
 */
export function assertValidRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `a range needs a non-negative integer offset and length, got ${JSON.stringify(range)}`);
  }
}

/**
 * Throws INVALID_ARGUMENT unless a put's `ifNoneMatch` is absent or `"*"`
 * and its `size` absent or a non-negative integer: the checks every
 * backend makes at the top of `put`, before reading the body.
 *
 * @example
 * ```ts
 * assertPutOptions({ size: 3, ifNoneMatch: '*' }); // ok
 * assertPutOptions({ size: -1 });                  // throws INVALID_ARGUMENT
 * ```
 */
export function assertPutOptions(options: Pick<PutOptions, 'size' | 'ifNoneMatch'>): void {
  const { size, ifNoneMatch } = options;
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `ifNoneMatch must be "*", got ${JSON.stringify(ifNoneMatch)}`);
  }
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `size must be a non-negative integer, got ${String(size)}`);
  }
}

/**
 * A listing's page size: `pageSize` when given (INVALID_ARGUMENT unless a
 * positive integer), else `max`, and never more than `max` (the contract
 * lets a backend return shorter pages).
 *
 * @example
 * ```ts
 * pageSizeArgument(undefined, 1000); // 1000
 * pageSizeArgument(5000, 1000);      // 1000
 * pageSizeArgument(0, 1000);         // throws INVALID_ARGUMENT
 * ```
 */
export function pageSizeArgument(pageSize: number | undefined, max: number): number {
  const size = pageSize ?? max;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `pageSize must be a positive integer, got ${String(pageSize)}`);
  }
  return Math.min(size, max);
}

/** {@link ListOptions} checked and normalised by {@link listArguments}. */
export interface ListArguments {
  /** The prefix, `''` when none was given. */
  readonly prefix: string;
  /** The delimiter, undefined when none or `''` was given. */
  readonly delimiter: string | undefined;
  /** The page size, at most the backend's cap. */
  readonly pageSize: number;
  /** A non-empty token, or undefined for the first page. */
  readonly continuationToken: string | undefined;
}

/**
 * Checks a `list` call's options in the contract's order (prefix,
 * delimiter, page size, token; INVALID_KEY or INVALID_ARGUMENT) and
 * normalises them: an empty delimiter is none, the page size is capped at
 * `maxPageSize`. The token's content is the backend's to check.
 *
 * @example
 * ```ts
 * const { prefix, delimiter, pageSize, continuationToken } = listArguments(options, 1000);
 * ```
 */
export function listArguments(options: ListOptions, maxPageSize: number): ListArguments {
  const prefix = options.prefix ?? '';
  assertValidPrefix(prefix);
  const delimiter = options.delimiter === '' ? undefined : options.delimiter;
  if (delimiter !== undefined && typeof delimiter !== 'string') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `delimiter must be a string, got ${JSON.stringify(delimiter)}`);
  }
  const pageSize = pageSizeArgument(options.pageSize, maxPageSize);
  const { continuationToken } = options;
  if (continuationToken !== undefined && (typeof continuationToken !== 'string' || continuationToken === '')) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `continuationToken must be a non-empty string, got ${JSON.stringify(continuationToken)}`);
  }
  return { prefix, delimiter, pageSize, continuationToken };
}

/**
 * Throws INVALID_ARGUMENT unless `expiresInSeconds` is an integer from 1 to
 * `maxSeconds` ({@link MAX_PRESIGN_SECONDS} unless given), the check at the
 * top of `presignGet`.
 *
 * @example
 * ```ts
 * assertPresignLifetime(3600); // ok
 * assertPresignLifetime(0);    // throws INVALID_ARGUMENT
 * ```
 */
export function assertPresignLifetime(expiresInSeconds: number, maxSeconds: number = MAX_PRESIGN_SECONDS): void {
  if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > maxSeconds) {
    const days = maxSeconds % 86_400 === 0 ? ` (${maxSeconds / 86_400} days)` : '';
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `expiresInSeconds must be an integer from 1 to ${maxSeconds}${days}, got ${String(expiresInSeconds)}`);
  }
}
