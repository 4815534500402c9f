import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { abortError, isAbortError, throwIfAborted } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { errnoCode, fsError } from '../../storage/node-fs.js';
import { checkStillReal } from './layout-links.js';

/**
 * The temporary files a sink has open, so `close` can remove those a
 * failed or abandoned write left (a crash leaves them too: they are hidden
 * `.s3lo-*.tmp` names no reader mistakes for a blob).
 */
export class TempFiles {
  private readonly paths = new Set<string>();

  /** A fresh temporary path in `dir` for the file `name`. */
  next(dir: string, name: string): string {
    const path = join(dir, `.s3lo-${name.slice(0, 16)}-${randomBytes(6).toString('hex')}.tmp`);
    this.paths.add(path);
    return path;
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true }).catch(() => undefined);
    this.paths.delete(path);
  }

  async removeAll(): Promise<void> {
    await Promise.all([...this.paths].map((path) => this.remove(path)));
  }
}

/** One atomic write: what to write, where, and how to name it in messages. */
export interface AtomicFileWrite {
  /** A real path (no link on the way), checked again before the file is placed. */
  readonly dir: string;
  readonly name: string;
  /** The content, then transforms it flows through (a digest verifier). */
  readonly streams: readonly [Readable, ...Transform[]];
  readonly what: string;
  readonly temps: TempFiles;
  readonly signal?: AbortSignal | undefined;
  /**
   * Create only when absent (link(2), atomic): a file already there is
   * left as it is, and false is returned. Otherwise the file is replaced.
   */
  readonly exclusive?: boolean;
}

/** How many bytes a file write may queue before it pushes back (see writeFileAtomically). */
const WRITE_BUFFER_BYTES = 1 << 20;
// O_EXCL alone already refuses a link at the temporary name; O_NOFOLLOW
// says so to every reader. Absent on Windows, where 0 leaves it off.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * Writes a file so that its name never shows partial content: the bytes go
 * to a temporary file beside it, which is fsynced and only then renamed (or
 * linked) into place, after the content stream ended without error. A crash
 * or a failed stream leaves at most the temporary file, which the caller's
 * {@link TempFiles} removes. The Go s3lo wrote in place and left truncated
 * blobs under content addresses; this is why.
 *
 * `dir` must be a real path: it is checked again once the temporary file
 * exists (before any byte is written) and right before the rename, and the
 * temporary name must still be the file written, so a directory swapped
 * for a link meanwhile is refused instead of receiving the file.
 *
 * @returns false when `exclusive` and the file already existed.
 */
export async function writeFileAtomically(write: AtomicFileWrite): Promise<boolean> {
  const { dir, name, what, temps, signal } = write;
  const target = join(dir, name);
  const temp = temps.next(dir, name);
  try {
    const handle = await open(temp, CREATE_FLAGS, 0o644);
    let written;
    try {
      await checkStillReal(dir, what);
      written = await handle.stat();
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    // The stream owns the handle and closes it however the pipeline ends;
    // `flush` fsyncs first, and the pipeline settles only once it is closed.
    // (A handle left open under a finished stream is never released:
    // FileHandle.close would wait forever.)
    // A 1 MiB buffer lets chunks queue while a write is in flight, so they
    // go out together (writev) instead of one syscall per socket read.
    await pipeline([...write.streams, handle.createWriteStream({ flush: true, highWaterMark: WRITE_BUFFER_BYTES })], signal === undefined ? {} : { signal });
    // The last moment an abort can still keep the file from appearing.
    throwIfAborted(signal);
    await checkStillReal(dir, what);
    const placed = await lstat(temp);
    if (placed.ino !== written.ino || placed.dev !== written.dev) {
      throw new S3loError(ErrorCode.INVALID_KEY, `${what}: ${temp} is no longer the file written (the directory changed while writing)`, { details: { path: temp } });
    }
    if (write.exclusive !== true) {
      await rename(temp, target);
      return true;
    }
    try {
      await link(temp, target);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw error;
    }
  } catch (error) {
    throw writeError(error, what, target, signal);
  } finally {
    // After a rename the temporary name is gone; after a link or a failure it is dropped here.
    await temps.remove(temp);
  }
}

function writeError(error: unknown, what: string, path: string, signal: AbortSignal | undefined): S3loError {
  if (S3loError.isInstance(error)) return error;
  if (signal?.aborted) return abortError(signal);
  if (errnoCode(error) === undefined && !isAbortError(error)) {
    // Not from the filesystem: the content stream itself failed.
    const message = error instanceof Error ? error.message : String(error);
    return new S3loError(ErrorCode.BACKEND_ERROR, `the content of ${what} failed: ${message}`, { cause: error, details: { path } });
  }
  return fsError(error, `writing ${what}`, path, signal);
}

/**
 * Makes renames in `dir` durable, so a crash cannot lose a blob that
 * `index.json` already names. Some platforms cannot open or sync a
 * directory; the files themselves are synced already.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EBADF') {
      throw fsError(error, 'syncing a layout directory', dir);
    }
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
