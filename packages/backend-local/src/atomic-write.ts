import type { FileHandle } from 'node:fs/promises';
import { link, lstat, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, S3loError, abortError, bodyToStream, createByteCounter, throwIfAborted, type PutBody } from '@s3lo/core/storage';
import { errnoCode, keyConflict, toS3loError } from './fs-errors.js';
import { tempNameFor } from './paths.js';

/** One write of an object: where it goes and how. */
export interface AtomicWrite {
  readonly key: string;
  /** Real path of the directory the object goes in (created, checked to be inside the bucket). */
  readonly dir: string;
  /** The object's file name in `dir`. */
  readonly name: string;
  readonly body: PutBody;
  readonly size?: number | undefined;
  readonly onProgress?: ((bytesSoFar: number) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Create only if absent (link, not rename): ALREADY_EXISTS otherwise. */
  readonly exclusive: boolean;
  readonly fsync: boolean;
}

/**
 * Writes the body to a temporary file beside the target, fsyncs it and only
 * then moves it into place, so the key never names a partial object: a
 * crash leaves at most a hidden temporary file. An exclusive write uses
 * link(2), which fails with EEXIST when the key exists, so of concurrent
 * creators exactly one wins. Returns false when the temporary file could not
 * be created because `dir` vanished (an empty directory pruned by a
 * concurrent delete); the caller re-creates it and tries again.
 */
export async function writeAtomically(write: AtomicWrite): Promise<boolean> {
  const { key, dir, name, signal } = write;
  const temp = join(dir, tempNameFor(name));
  const target = join(dir, name);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o666);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    if (errnoCode(error) === 'ENOTDIR') throw keyConflict(key, error);
    throw toS3loError(error, { op: 'put', key, signal });
  }
  let placed = false;
  // When the file write fails (a full disk), pipeline rejects with the
  // AbortError of the body's iterator it then destroys, not with ENOSPC:
  // keep the write's own error to report.
  let writeFailure: unknown;
  try {
    const file = handle;
    await pipeline(
      bodyToStream(write.body),
      createByteCounter({ size: write.size, onProgress: write.onProgress, label: `the body of ${JSON.stringify(key)}` }),
      (source: AsyncIterable<Buffer>) =>
        writeAll(file, source).catch((error: unknown) => {
          writeFailure = error;
          throw error;
        }),
      ...(signal === undefined ? [] : [{ signal }]),
    );
    if (write.fsync) await handle.sync();
    await handle.close();
    handle = undefined;
    // The last moment an abort can still prevent the object from appearing.
    throwIfAborted(signal);
    try {
      if (write.exclusive) await linkExclusive(temp, target, key);
      else await renameOver(temp, target, key);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' && !(await exists(temp))) throw temporaryFileRemoved(key, error);
      throw error;
    }
    placed = true;
    if (write.fsync) await syncDirectory(dir);
    return true;
  } catch (error) {
    throw writeError(errnoCode(writeFailure) === undefined ? error : writeFailure, key, target, signal);
  } finally {
    await handle?.close().catch(() => undefined);
    // After a rename the temporary name is gone; after a link it is a second name to drop.
    if (!placed || write.exclusive) await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** The write's temporary file vanished before it was moved into place: someone aborted it as a pending upload. */
function temporaryFileRemoved(key: string, cause: unknown): S3loError {
  return new S3loError(ErrorCode.BACKEND_ERROR, `put ${JSON.stringify(key)}: the write was aborted (its temporary file was removed, e.g. by a clean that took it for abandoned)`, {
    cause,
    details: { key },
    hint: 'write it again',
  });
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

const BATCH_BYTES = 256 * 1024;

/**
 * Writes every chunk to the file, gathering small chunks into one writev.
 * (A FileHandle write stream that must not close the handle never emits
 * 'close', which pipeline waits for.)
 */
async function writeAll(file: FileHandle, source: AsyncIterable<Buffer>): Promise<void> {
  let batch: Buffer[] = [];
  let batched = 0;
  for await (const chunk of source) {
    batch.push(chunk);
    batched += chunk.length;
    if (batched >= BATCH_BYTES) {
      await writeFully(file, batch);
      batch = [];
      batched = 0;
    }
  }
  await writeFully(file, batch);
}

async function writeFully(file: FileHandle, buffers: Buffer[]): Promise<void> {
  const pending = buffers.filter((buffer) => buffer.length > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await file.writev(pending);
    let skip = bytesWritten;
    while (pending.length > 0 && skip >= (pending[0] as Buffer).length) skip -= (pending.shift() as Buffer).length;
    if (skip > 0 && pending.length > 0) pending[0] = (pending[0] as Buffer).subarray(skip);
  }
}

async function linkExclusive(temp: string, target: string, key: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isDirectory()) throw keyConflict(key, error);
    throw new S3loError(ErrorCode.ALREADY_EXISTS, `key ${JSON.stringify(key)} already exists`, { details: { key }, cause: error });
  }
}

async function renameOver(temp: string, target: string, key: string): Promise<void> {
  try {
    await rename(temp, target);
  } catch (error) {
    const code = errnoCode(error);
    // The key names a directory of other keys.
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw keyConflict(key, error);
    throw error;
  }
}

/** Makes a rename in `dir` durable. Some platforms cannot open or sync a directory; the data itself is synced already. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EACCES' && code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function writeError(error: unknown, key: string, path: string, signal: AbortSignal | undefined): S3loError {
  if (S3loError.isInstance(error)) return error;
  if (signal?.aborted) return abortError(signal);
  if (errnoCode(error) === undefined && !(error instanceof Error && error.name === 'AbortError')) {
    // Not from the filesystem: the body itself failed.
    const message = error instanceof Error ? error.message : String(error);
    return new S3loError(ErrorCode.BACKEND_ERROR, `the body of ${JSON.stringify(key)} failed: ${message}`, { cause: error, details: { key } });
  }
  return toS3loError(error, { op: 'put', key, path, signal });
}
