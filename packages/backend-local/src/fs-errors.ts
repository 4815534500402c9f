import { ErrorCode, S3loError, abortError, isAbortError } from '@s3lo/core/storage';

/** The errno code of a Node fs error (`ENOENT`, ...), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string' ? code : undefined;
}

/** What was being done, for messages and `details`. */
export interface FsErrorContext {
  /** The operation, e.g. `get`, `put`, `delete`. */
  readonly op: string;
  readonly key?: string | undefined;
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
  const details = { op: context.op, key: context.key, errno: code };
  const options = { cause: error, details };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return notFound(context.key, error);
    case 'EEXIST':
      return new S3loError(ErrorCode.ALREADY_EXISTS, `${context.op}${subject}: the key already exists`, options);
    case 'EACCES':
    case 'EPERM':
      return new S3loError(ErrorCode.PERMISSION_DENIED, `${context.op}${subject}: permission denied by the filesystem (${code})`, {
        ...options,
        hint: 'check the owner and mode of the bucket directory and the files in it',
      });
    case 'ENAMETOOLONG':
      return new S3loError(ErrorCode.INVALID_KEY, `key${subject} is too long for this filesystem (a path component is limited to 255 bytes)`, options);
    case 'ELOOP':
      return new S3loError(ErrorCode.INVALID_KEY, `key${subject} crosses a loop of symbolic links`, options);
    case 'ENOSPC':
      return new S3loError(ErrorCode.BACKEND_ERROR, `${context.op}${subject}: the disk is full`, options);
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new S3loError(ErrorCode.BACKEND_ERROR, `local backend: ${context.op}${subject} failed: ${message}`, options);
    }
  }
}

/** NOT_FOUND for a key with no object. */
export function notFound(key: string | undefined, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `no object at key ${JSON.stringify(key)} in the local bucket`, {
    details: { key },
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
  return new S3loError(
    ErrorCode.INVALID_KEY,
    `key ${JSON.stringify(key)} cannot be stored: a local bucket cannot hold an object and other keys below it (like "a" and "a/b")`,
    { details: { key }, ...(cause === undefined ? {} : { cause }) },
  );
}
