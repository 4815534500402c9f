import { abortError, isAbortError } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';

/** The errno code of a Node fs error (`ENOENT`, ...), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string' ? code : undefined;
}

/**
 * The one place fs errors of the layout transport become {@link S3loError}s.
 * `what` names the file for the user (`blob sha256:... of oci:./out`), so a
 * message says which file of which layout failed. Absence is decided from
 * errno codes, never from message text.
 */
export function layoutFsError(error: unknown, what: string, path: string, signal?: AbortSignal): S3loError {
  if (S3loError.isInstance(error)) return error;
  if (signal?.aborted) return abortError(signal);
  if (isAbortError(error)) return new S3loError(ErrorCode.ABORTED, 'the operation was aborted', { cause: error });
  const code = errnoCode(error);
  const options = { cause: error, details: { path, errno: code } };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new S3loError(ErrorCode.NOT_FOUND, `${what} does not exist (${path})`, options);
    case 'EACCES':
    case 'EPERM':
      return new S3loError(ErrorCode.PERMISSION_DENIED, `${what}: permission denied by the filesystem (${code}, ${path})`, {
        ...options,
        hint: 'check the owner and mode of the layout directory and the files in it',
      });
    case 'ELOOP':
      return new S3loError(ErrorCode.INVALID_KEY, `${what} is a symbolic link or crosses a loop of links (${path})`, options);
    case 'ENOSPC':
      return new S3loError(ErrorCode.BACKEND_ERROR, `${what}: the disk is full (${path})`, options);
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new S3loError(ErrorCode.BACKEND_ERROR, `${what} failed: ${message}`, options);
    }
  }
}
