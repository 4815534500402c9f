import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import {
  ErrorCode,
  S3loError,
  STORAGE_CONTRACT_VERSION,
  abortError,
  assertPutOptions,
  assertValidPrefix,
  assertValidRange,
  createDirectories,
  deleteResult,
  mapConcurrent,
  pageSizeArgument,
  throwIfAborted,
  type BackendCapabilities,
  type CallOptions,
  type DeleteResult,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ListPendingUploadsOptions,
  type ObjectInfo,
  type PendingUpload,
  type PendingUploadPage,
  type PutBody,
  type PutOptions,
  type StorageBackend,
} from '@s3lo/core/storage';
import { writeAtomically } from './atomic-write.js';
import { enterOrCreate, pruneEmptyDirectories } from './directories.js';
import { errnoCode, escapesRoot, keyConflict, noBucketDirectory, notFound, toS3loError } from './fs-errors.js';
import { decodeToken, encodeToken, startDirectory, walk, type WalkEntry } from './list.js';
import { assertLocalKey, isInside, splitKey } from './paths.js';
import { decodeCursor, listTemporaryFiles, removeTemporaryFile } from './pending-uploads.js';

/** Options of {@link LocalBackend}. */
export interface LocalBackendOptions {
  /**
   * fsync each object's data before it is renamed into place, and its
   * directory after. Turning it off makes writes faster, but after a power
   * loss (not a mere process crash) a recently written key may hold a
   * truncated or empty file on some filesystems.
   * @default true
   */
  readonly fsync?: boolean;
}

const MAX_PAGE_SIZE = 1000;
/** Parallel file operations inside one deleteMany or one listing page. */
const FILE_CONCURRENCY = 16;
/** Read size of get streams: a 64 KiB default means 16k reads and hash updates per GiB. */
const READ_CHUNK_BYTES = 1 << 20;
/** Attempts to create a write's directory when a concurrent delete keeps pruning it. */
const DIRECTORY_ATTEMPTS = 5;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * A bucket that is a directory on the local filesystem (`local://` references),
 * in the same layout the Go s3lo writes, so either tool reads the other's
 * bucket. Keys map to files below the directory; the directory and any
 * sub-directories appear with the first write.
 *
 * Writes go to a hidden temporary file in the target directory and are
 * renamed into place after an fsync, so a key never names a partial object.
 * Conditional creates use link(2) and are atomic. No key reaches outside the
 * directory: keys are validated, symbolic links that lead out are refused and
 * listings never follow links.
 *
 * A bucket directory that does not exist is a missing bucket, as on S3:
 * reads (`get`, `stat`, `list`) fail with NOT_FOUND and
 * `details.missing === 'bucket'` (so a misspelt path is not read as an
 * empty bucket); `deleteMany` finds nothing to delete; the first write
 * creates it.
 *
 * @example
 * ```ts
 * import { LocalBackend } from '@s3lo/backend-local';
 * const backend = new LocalBackend('./store');
 * await backend.put('blobs/sha256/2c26b4...', Buffer.from('foo'), { ifNoneMatch: '*' });
 * for (const object of (await backend.list({ prefix: 'blobs/' })).objects) console.log(object.key, object.size);
 * ```
 */
export class LocalBackend implements StorageBackend {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly scheme = 'local';
  /** The bucket directory, absolute. */
  readonly bucket: string;
  readonly capabilities: BackendCapabilities = Object.freeze({
    serverSideCopy: true,
    conditionalCreate: true,
    // A file:// URL is not a presigned URL: there is nothing to sign, and no one else can fetch it.
    presignedGet: false,
    // The temporary files of writes that never finished (see pending-uploads.ts).
    pendingUploads: true,
  });

  readonly #fsync: boolean;

  /**
   * A bucket kept in a directory of the local filesystem.
   * @param directory The bucket directory, resolved against the working
   *   directory. It need not exist: the first write creates it (reads of a
   *   missing directory fail with NOT_FOUND naming it).
   */
  constructor(directory: string, options: LocalBackendOptions = {}) {
    if (typeof directory !== 'string' || directory === '') {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'the local backend needs a bucket directory', {
        hint: 'use a reference like local://./store or local:///srv/store',
      });
    }
    this.bucket = resolve(directory);
    this.#fsync = options.fsync ?? true;
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const { signal, range } = options;
    assertLocalKey(key);
    assertValidRange(range);
    throwIfAborted(signal);
    const path = await this.#existingPath(key);
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
    } catch (error) {
      throw readError(error, key, 'get', signal);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notFound(key);
      throwIfAborted(signal);
      const offset = range?.offset ?? 0;
      const length = range?.length;
      if (offset >= stats.size || length === 0) {
        await handle.close();
        return Readable.from([], { objectMode: false });
      }
      const stream = handle.createReadStream({ start: offset, highWaterMark: READ_CHUNK_BYTES, ...(length === undefined ? {} : { end: offset + length - 1 }) });
      if (signal !== undefined) {
        const onAbort = (): void => void stream.destroy(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        stream.once('close', () => signal.removeEventListener('abort', onAbort));
      }
      return stream;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw toS3loError(error, { op: 'get', key, signal });
    }
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    const { size, ifNoneMatch } = options;
    assertLocalKey(key);
    assertPutOptions({ size, ifNoneMatch });
    await this.#write(key, body, { ...options, exclusive: ifNoneMatch === '*' });
  }

  async stat(key: string, options: CallOptions = {}): Promise<ObjectInfo> {
    const { signal } = options;
    assertLocalKey(key);
    throwIfAborted(signal);
    const path = await this.#existingPath(key);
    let stats: Stats;
    try {
      stats = await lstat(path);
    } catch (error) {
      throw readError(error, key, 'stat', signal);
    }
    // Directories are prefixes of other keys; symbolic links are not followed.
    if (!stats.isFile()) throw notFound(key);
    return { key, size: stats.size, lastModified: stats.mtime };
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const { signal } = options;
    const prefix = options.prefix ?? '';
    assertValidPrefix(prefix);
    const delimiter = options.delimiter === '' ? undefined : options.delimiter;
    const limit = pageSizeArgument(options.pageSize, MAX_PAGE_SIZE);
    const after = options.continuationToken === undefined ? undefined : decodeToken(options.continuationToken);
    throwIfAborted(signal);
    try {
      const root = await this.#existingRoot();
      if (root === undefined) throw noBucketDirectory(this.bucket);
      const start = await startDirectory(root, prefix);
      if (start === undefined) return { objects: [], commonPrefixes: [] };
      const entries: WalkEntry[] = [];
      let more = false;
      for await (const entry of walk(start.dir, start.dirKey, { prefix, delimiter, after, signal })) {
        if (entries.length === limit) {
          more = true;
          break;
        }
        entries.push(entry);
      }
      const objects = await statEntries(entries, signal);
      const last = entries.at(-1);
      return {
        objects,
        commonPrefixes: entries.flatMap((entry) => (entry.kind === 'prefix' ? [entry.prefix] : [])),
        ...(more && last !== undefined ? { nextToken: encodeToken(last.kind === 'prefix' ? { value: last.prefix, isPrefix: true } : { value: last.key, isPrefix: false }) } : {}),
      };
    } catch (error) {
      throw toS3loError(error, { op: prefix === '' ? 'list' : `list under ${JSON.stringify(prefix)}`, signal });
    }
  }

  async deleteMany(keys: readonly string[], options: CallOptions = {}): Promise<DeleteResult> {
    const { signal } = options;
    for (const key of keys) assertLocalKey(key);
    throwIfAborted(signal);
    const outcomes: (S3loError | undefined)[] = new Array<S3loError | undefined>(keys.length);
    const root = await this.#existingRoot().catch((error: unknown) => {
      throw toS3loError(error, { op: 'delete', signal });
    });
    if (root !== undefined) {
      await mapConcurrent(keys, FILE_CONCURRENCY, signal, async (key, index) => {
        outcomes[index] = await this.#deleteOne(root, key, signal);
      });
    }
    return deleteResult(keys, (_key, index) => outcomes[index]);
  }

  /**
   * Copies through a temporary file and a rename, like a put: the destination
   * appears whole or not at all.
   */
  async copy(sourceKey: string, destinationKey: string, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    assertLocalKey(sourceKey);
    assertLocalKey(destinationKey);
    throwIfAborted(signal);
    const path = await this.#existingPath(sourceKey);
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | O_NOFOLLOW);
    } catch (error) {
      throw readError(error, sourceKey, 'copy', signal);
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw notFound(sourceKey);
      await this.#write(destinationKey, handle.createReadStream({ autoClose: false }), { size: stats.size, signal, exclusive: false });
    } catch (error) {
      throw toS3loError(error, { op: 'copy', key: sourceKey, signal });
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /**
   * The temporary files of unfinished writes (a killed process leaves its
   * own behind): `id` is the file's path in the bucket, `initiated` its
   * mtime, which a write still running keeps recent.
   */
  async listPendingUploads(options: ListPendingUploadsOptions = {}): Promise<PendingUploadPage> {
    const { signal } = options;
    const prefix = options.prefix ?? '';
    assertValidPrefix(prefix);
    const pageSize = pageSizeArgument(options.pageSize, MAX_PAGE_SIZE);
    const after = options.continuationToken === undefined ? undefined : decodeCursor(options.continuationToken);
    throwIfAborted(signal);
    try {
      const root = await this.#existingRoot();
      if (root === undefined) return { uploads: [] };
      return await listTemporaryFiles(root, { prefix, after, limit: pageSize, signal });
    } catch (error) {
      throw toS3loError(error, { op: 'list pending uploads', signal });
    }
  }

  /** Removes an unfinished write's temporary file; a write still running on it then fails, and its key stays as it was. */
  async abortPendingUpload(upload: Pick<PendingUpload, 'key' | 'id'>, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    throwIfAborted(signal);
    const root = await this.#existingRoot().catch((error: unknown) => {
      throw toS3loError(error, { op: 'abort pending upload', signal });
    });
    if (root === undefined) return;
    await removeTemporaryFile(root, upload.id, signal);
  }

  async #write(key: string, body: PutBody, options: Pick<PutOptions, 'size' | 'onProgress' | 'signal'> & { readonly exclusive: boolean }): Promise<void> {
    const { signal, exclusive } = options;
    throwIfAborted(signal);
    const { name } = splitKey(key);
    for (let attempt = 1; ; attempt++) {
      const { root, dir } = await this.#directoryFor(key, signal);
      // Cheap early answer for the common "blob already there" case; the
      // link in writeAtomically is what makes the create atomic.
      if (exclusive && (await lstat(join(dir, name)).catch(() => undefined))?.isFile()) {
        throw new S3loError(ErrorCode.ALREADY_EXISTS, `key ${JSON.stringify(key)} already exists`, { details: { key } });
      }
      let written = false;
      try {
        written = await writeAtomically({ ...options, key, dir, name, body, fsync: this.#fsync });
      } finally {
        if (!written) await pruneEmptyDirectories(root, dir);
      }
      if (written) return;
      if (attempt >= DIRECTORY_ATTEMPTS) {
        throw new S3loError(ErrorCode.BACKEND_ERROR, `put ${JSON.stringify(key)}: its directory kept disappearing (concurrent deletes?)`, {
          details: { key },
        });
      }
    }
  }

  /**
   * The real directory an object of `key` goes in, created as needed one
   * component at a time: mkdir never follows a link, and a component that
   * is a link must resolve inside the bucket.
   */
  async #directoryFor(key: string, signal: AbortSignal | undefined): Promise<{ root: string; dir: string }> {
    const { dirParts } = splitKey(key);
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      try {
        const root = await this.#createdRoot();
        try {
          const dir = await realpath(join(root, ...dirParts));
          if (!isInside(root, dir)) throw escapesRoot(key);
          return { root, dir };
        } catch (error) {
          if (errnoCode(error) !== 'ENOENT') throw error;
        }
        let dir = root;
        for (const part of dirParts) {
          dir = await enterOrCreate(root, dir, part, key);
        }
        return { root, dir };
      } catch (error) {
        if (errnoCode(error) === 'ENOENT' && attempt < DIRECTORY_ATTEMPTS) continue;
        if (errnoCode(error) === 'ENOTDIR') throw keyConflict(key, error);
        throw toS3loError(error, { op: 'put', key, signal });
      }
    }
  }

  /** The bucket directory's real path, creating the directory when it is missing. */
  async #createdRoot(): Promise<string> {
    try {
      // Not mkdir's recursive mode: it reports a read-only or full disk as ENOENT.
      await createDirectories(this.bucket);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST' && errnoCode(error) !== 'ENOTDIR') throw error;
      throw new S3loError(ErrorCode.BACKEND_ERROR, `the bucket ${this.bucket} is not a directory`, { cause: error, details: { bucket: this.bucket } });
    }
    return realpath(this.bucket);
  }

  /** The bucket directory's real path, or undefined while it does not exist. */
  async #existingRoot(): Promise<string | undefined> {
    try {
      return await realpath(this.bucket);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  /**
   * The path of an existing object's file, through the real path of its
   * directory (which must be inside the bucket). NOT_FOUND when a directory
   * on the way is missing.
   */
  async #existingPath(key: string): Promise<string> {
    const { dirParts, name } = splitKey(key);
    try {
      const root = await this.#existingRoot();
      if (root === undefined) throw noBucketDirectory(this.bucket);
      if (dirParts.length === 0) return join(root, name);
      const dir = await realpath(join(root, ...dirParts));
      if (!isInside(root, dir)) throw escapesRoot(key);
      return join(dir, name);
    } catch (error) {
      throw toS3loError(error, { op: 'read', key });
    }
  }

  /** Deletes one key; undefined when it no longer exists, the error otherwise. */
  async #deleteOne(root: string, key: string, signal: AbortSignal | undefined): Promise<S3loError | undefined> {
    let path: string;
    try {
      path = await this.#existingPath(key);
    } catch (error) {
      return S3loError.isInstance(error, ErrorCode.NOT_FOUND) ? undefined : toS3loError(error, { op: 'delete', key, signal });
    }
    try {
      await unlink(path);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (code === 'EISDIR') {
        return new S3loError(ErrorCode.BACKEND_ERROR, `delete ${JSON.stringify(key)}: it is a directory (a prefix of other keys), not an object`, {
          cause: error,
          details: { key, errno: code },
        });
      }
      return toS3loError(error, { op: 'delete', key, signal });
    }
    await pruneEmptyDirectories(root, dirname(path));
    return undefined;
  }
}

function readError(error: unknown, key: string, op: string, signal: AbortSignal | undefined): S3loError {
  const code = errnoCode(error);
  // ELOOP from O_NOFOLLOW: the key names a symbolic link, which is not an object here.
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR') return notFound(key, error);
  return toS3loError(error, { op, key, signal });
}

async function statEntries(entries: readonly WalkEntry[], signal: AbortSignal | undefined): Promise<ObjectInfo[]> {
  const files = entries.flatMap((entry) => (entry.kind === 'object' ? [entry] : []));
  const infos: (ObjectInfo | undefined)[] = new Array<ObjectInfo | undefined>(files.length);
  await mapConcurrent(files, FILE_CONCURRENCY, signal, async (file, index) => {
    try {
      const stats = await lstat(file.path);
      if (stats.isFile()) infos[index] = { key: file.key, size: stats.size, lastModified: stats.mtime };
    } catch (error) {
      // Deleted between the directory read and now: it is simply not listed.
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
  });
  return infos.filter((info): info is ObjectInfo => info !== undefined);
}
