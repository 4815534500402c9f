import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { abortError, isAbortError } from '../errors/abort.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';

// Helpers for the parts of s3lo that sit on node:fs (the local backend, OCI
// layouts, archives): one reading of errno codes, so every one of them says
// "read-only" or "disk full" the same way instead of passing a raw errno on
// or, worse, reporting a missing file.

/**
 * The errno code of a Node fs error (`ENOENT`, ...), if it is one.
 *
 * @example
 * ```ts
 * if (errnoCode(error) === 'ENOENT') return undefined;
 * ```
 */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string' ? code : undefined;
}

/** What an errno means to a user: the code to report, the problem in words, and what to do. */
export interface FsProblem {
  readonly code: ErrorCode;
  /** `the file system is read-only`, ... */
  readonly problem: string;
  readonly hint?: string;
}

/**
 * The errnos of a write that cannot succeed where it is, whatever is retried:
 * a read-only file system, a full disk or quota, permissions. `undefined` for
 * any other errno (absence, links and conflicts mean different things to each
 * caller, which says them itself).
 *
 * @example
 * ```ts
 * const known = fsProblem(errnoCode(error));
 * if (known !== undefined) throw new S3loError(known.code, `put ${key}: ${known.problem}`, { cause: error, hint: known.hint });
 * ```
 */
export function fsProblem(errno: string | undefined): FsProblem | undefined {
  switch (errno) {
    case 'EROFS':
      return {
        code: ErrorCode.PERMISSION_DENIED,
        problem: 'the file system is read-only',
        hint: 'write to a directory on a writable file system, or remount this one read-write',
      };
    case 'ENOSPC':
      return { code: ErrorCode.BACKEND_ERROR, problem: 'no space left on the device (the disk is full)', hint: 'free some space there, or write somewhere else' };
    case 'EDQUOT':
      return { code: ErrorCode.BACKEND_ERROR, problem: 'the disk quota is used up', hint: 'free some space within the quota, or write somewhere else' };
    case 'EACCES':
    case 'EPERM':
      return {
        code: ErrorCode.PERMISSION_DENIED,
        problem: `permission denied by the file system (${errno})`,
        hint: 'check the owner and mode of the directory and the files in it',
      };
    default:
      return undefined;
  }
}

/**
 * Turns a node:fs error into an {@link S3loError} whose message says which
 * file (`what`, e.g. `blob sha256:... of oci:./out`) and what went wrong.
 * Absence is decided from errno codes, never from message text; an
 * S3loError passes through unchanged, and an abort becomes ABORTED.
 *
 * @example
 * ```ts
 * try {
 *   await rename(temp, target);
 * } catch (error) {
 *   throw fsError(error, `archive ${target}`, target, signal);
 * }
 * ```
 */
export function fsError(error: unknown, what: string, path: string, signal?: AbortSignal): S3loError {
  if (S3loError.isInstance(error)) return error;
  if (signal?.aborted) return abortError(signal);
  if (isAbortError(error)) return new S3loError(ErrorCode.ABORTED, 'the operation was aborted', { cause: error });
  const code = errnoCode(error);
  const options = { cause: error, details: { path, errno: code } };
  const known = fsProblem(code);
  if (known !== undefined) return new S3loError(known.code, `${what}: ${known.problem} (${path})`, { ...options, hint: known.hint });
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new S3loError(ErrorCode.NOT_FOUND, `${what} does not exist (${path})`, options);
    case 'ELOOP':
      return new S3loError(ErrorCode.INVALID_KEY, `${what} is a symbolic link or crosses a loop of links (${path})`, options);
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return new S3loError(ErrorCode.BACKEND_ERROR, `${what} failed: ${message}`, options);
    }
  }
}

/**
 * `mkdir -p`, one component at a time. Node's own `mkdir(path, { recursive: true })`
 * reports ENOENT when the real failure is EROFS, ENOSPC or EACCES
 * (nodejs/node#47098), so a read-only disk would read as "does not exist";
 * this rejects with the errno of the mkdir that failed. An existing
 * directory (or a link to one) is fine; an existing file rejects with EEXIST,
 * a file on the way with ENOTDIR, as `mkdir -p` does.
 *
 * @example
 * ```ts
 * await createDirectories('/srv/s3lo/store');
 * ```
 */
export async function createDirectories(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') {
      if ((await stat(path).catch(() => undefined))?.isDirectory()) return;
      throw error;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
  }
  await createDirectories(dirname(path));
  try {
    await mkdir(path);
  } catch (error) {
    // Created meanwhile by someone else: as good as made here.
    if (errnoCode(error) !== 'EEXIST' || !(await stat(path).catch(() => undefined))?.isDirectory()) throw error;
  }
}
