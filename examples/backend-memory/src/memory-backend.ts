import { Readable, Writable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ErrorCode,
  S3loError,
  abortError,
  assertValidKey,
  assertValidPrefix,
  bodyToStream,
  createByteCounter,
  throwIfAborted,
  type BackendCapabilities,
  type CallOptions,
  type DeleteResult,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type PutBody,
  type PutOptions,
  type StorageBackend,
} from '@s3lo/core/storage';

interface StoredObject {
  readonly data: Buffer;
  readonly lastModified: Date;
}

// Buckets live as long as the process: two backends of one bucket share it.
const buckets = new Map<string, Map<string, StoredObject>>();

const CHUNK = 64 * 1024;

/** Listings sort by UTF-8 bytes, not by JavaScript's UTF-16 string order. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A bucket held in this process's memory. */
export class MemoryBackend implements StorageBackend {
  readonly contractVersion = 1;
  readonly scheme = 'memory';
  readonly bucket: string;
  readonly capabilities: BackendCapabilities = {
    serverSideCopy: false,
    conditionalCreate: true,
    presignedGet: false,
  };
  readonly #objects: Map<string, StoredObject>;

  constructor(bucket: string) {
    this.bucket = bucket;
    let objects = buckets.get(bucket);
    if (objects === undefined) buckets.set(bucket, (objects = new Map()));
    this.#objects = objects;
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    assertValidKey(key);
    throwIfAborted(options.signal);
    const object = this.#find(key);
    const { offset = 0, length } = options.range ?? {};
    const data = object.data.subarray(offset, length === undefined ? undefined : offset + length);
    // Chunk by chunk, so an abort while reading stops the stream early.
    const chunks = Array.from({ length: Math.ceil(data.length / CHUNK) }, (_, i) => data.subarray(i * CHUNK, (i + 1) * CHUNK));
    const stream = Readable.from(chunks, { objectMode: false, highWaterMark: CHUNK });
    return options.signal === undefined ? stream : addAbortSignal(options.signal, stream);
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    assertValidKey(key);
    throwIfAborted(options.signal);
    const chunks: Buffer[] = [];
    try {
      await pipeline(
        bodyToStream(body),
        // Counts the bytes: onProgress, and SIZE_MISMATCH when options.size is wrong.
        createByteCounter({ size: options.size, onProgress: options.onProgress, label: key }),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            chunks.push(chunk);
            callback();
          },
        }),
        { signal: options.signal },
      );
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (S3loError.isInstance(error)) throw error;
      throw new S3loError(ErrorCode.BACKEND_ERROR, `writing ${key} failed`, { cause: error });
    }
    // Checked when the write completes, so of concurrent creators exactly one wins.
    if (options.ifNoneMatch === '*' && this.#objects.has(key)) {
      throw new S3loError(ErrorCode.ALREADY_EXISTS, `${key} already exists`, { details: { key } });
    }
    this.#objects.set(key, { data: Buffer.concat(chunks), lastModified: new Date() });
  }

  async stat(key: string, options: CallOptions = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    throwIfAborted(options.signal);
    const object = this.#find(key);
    return { key, size: object.data.length, lastModified: object.lastModified };
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const { prefix = '', delimiter, continuationToken } = options;
    assertValidPrefix(prefix);
    throwIfAborted(options.signal);
    const pageSize = Math.min(options.pageSize ?? 1000, 1000);
    // The token is the last entry of the previous page: the next page starts after it.
    const after = continuationToken === undefined ? undefined : Buffer.from(continuationToken, 'base64url').toString('utf8');
    const entries = new Map<string, ObjectInfo | undefined>(); // a common prefix maps to undefined
    for (const [key, object] of this.#objects) {
      if (!key.startsWith(prefix)) continue;
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (delimiter && at >= 0) entries.set(key.slice(0, at + delimiter.length), undefined);
      else entries.set(key, { key, size: object.data.length, lastModified: object.lastModified });
    }
    const sorted = [...entries.keys()].sort(compareKeys).filter((entry) => after === undefined || compareKeys(entry, after) > 0);
    const page = sorted.slice(0, pageSize);
    const last = page.at(-1);
    return {
      objects: page.flatMap((entry) => entries.get(entry) ?? []),
      commonPrefixes: page.filter((entry) => entries.get(entry) === undefined),
      ...(sorted.length > pageSize && last !== undefined ? { nextToken: Buffer.from(last, 'utf8').toString('base64url') } : {}),
    };
  }

  async deleteMany(keys: readonly string[], options: CallOptions = {}): Promise<DeleteResult> {
    for (const key of keys) assertValidKey(key); // one invalid key refuses the whole batch
    throwIfAborted(options.signal);
    for (const key of keys) this.#objects.delete(key);
    return { deleted: [...keys], failed: [] };
  }

  #find(key: string): StoredObject {
    const object = this.#objects.get(key);
    if (object === undefined) throw new S3loError(ErrorCode.NOT_FOUND, `no object ${key} in memory://${this.bucket}`, { details: { key } });
    return object;
  }
}
