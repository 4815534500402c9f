import { ErrorCode, S3loError, abortError, bucketNotFound, errnoCode, fsProblem, isAbortError } from '@s3lo/core/storage';

export { errnoCode };

/** What was being done, for messages and `details`. */
export interface FsErrorContext {
  /** The operation, e.g. `get`, `put`, `delete`. */
  readonly op: string;
  readonly key?: string | undefined;
  /** The file or directory the failing call was about, when the message should name it (a read-only or full disk). */
  readonly path?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The one place fs errors become {@link S3loError}s. Absence is decided from
 * errno codes, never from message text.
 */
export function toS3loError(error: unknown, context: FsErrorContext): S3loError {
  if (S3loError.isInstance(error)) return error;
  if (context.signal?.aborted) return abortError(context.signal);
  if (isAbortError(error)) return new S3loError(ErrorCode.ABORTED, 'the operation was aborted', { cause: error });
  const code = errnoCode(error);
  const subject = context.key === undefined ? '' : ` ${JSON.stringify(context.key)}`;
  const path = context.path ?? pathOf(error);
  const details = { op: context.op, key: context.key, errno: code, ...(path === undefined ? {} : { path }) };
  const options = { cause: error, details };
  // Read-only, full, not permitted: said the same way as everywhere s3lo writes files.
  const known = fsProblem(code);
  if (known !== undefined) {
    return new S3loError(known.code, `${context.op}${subject}: ${known.problem}${path === undefined ? '' : ` (${path})`}`, {
      ...options,
      hint: known.hint,
    });
  }
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return notFound(context.key, error);
    case 'EEXIST':
      return new S3loError(ErrorCode.ALREADY_EXISTS, `${context.op}${subject}: the key already exists`, options);
    case 'ENAMETOOLONG':
      return new S3loError(ErrorCode.INVALID_KEY, `key${subject} is too long for this filesystem (a path component is limited to 255 bytes)`, options);
    case 'ELOOP':
      return new S3loError(ErrorCode.INVALID_KEY, `key${subject} crosses a loop of symbolic links`, options);
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new S3loError(ErrorCode.BACKEND_ERROR, `local backend: ${context.op}${subject} failed: ${message}`, options);
    }
  }
}

/** The file a Node fs error names (its `path`), if any. */
function pathOf(error: unknown): string | undefined {
  const path = typeof error === 'object' && error !== null ? (error as { path?: unknown }).path : undefined;
  return typeof path === 'string' ? path : undefined;
}

/** NOT_FOUND for a key with no object. */
export function notFound(key: string | undefined, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `no object at key ${JSON.stringify(key)} in the local bucket`, {
    details: { key },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** NOT_FOUND for the bucket directory itself: a misspelt `local://` path must not read as an empty bucket. */
export function noBucketDirectory(directory: string, cause?: unknown): S3loError {
  return bucketNotFound(directory, `the local bucket directory ${directory} does not exist`, {
    hint: 'check the path (with local:// the bucket is the first directory, or everything before "//"); the first push creates it',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** INVALID_KEY for a key whose path leaves the bucket directory through a symbolic link. */
export function escapesRoot(key: string): S3loError {
  return new S3loError(ErrorCode.INVALID_KEY, `key ${JSON.stringify(key)} resolves outside the bucket directory through a symbolic link`, {
    details: { key },
    hint: 'the local backend never reads or writes outside its directory; remove the link or point it inside the bucket',
  });
}

/** INVALID_KEY for a key a directory tree cannot hold next to an existing one (`a` and `a/b`). */
export function keyConflict(key: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.INVALID_KEY, `key ${JSON.stringify(key)} cannot be stored: a local bucket cannot hold an object and other keys below it (like "a" and "a/b")`, {
    details: { key },
    ...(cause === undefined ? {} : { cause }),
  });
}
