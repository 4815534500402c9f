import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ErrorCode,
  S3loError,
  STORAGE_CONTRACT_VERSION,
  abortError,
  assertValidKey,
  assertValidPrefix,
  bodyToStream,
  createByteCounter,
  isAbortError,
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
  type PresignOptions,
  type PutBody,
  type PutOptions,
  type StorageBackend,
} from '@s3lo/core/storage';
import { compareKeys } from '../src/keys.js';

interface StoredObject {
  readonly data: Buffer;
  readonly lastModified: Date;
}

/**
 * An in-memory backend that follows the contract to the letter: the suite's
 * own test runs against it (with every capability and with none), so a
 * failing conformance test points at the backend, not at the suite.
 */
export class MemoryBackend implements StorageBackend {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly scheme = 'mem';
  readonly bucket = `mem-${randomBytes(4).toString('hex')}`;
  readonly capabilities: BackendCapabilities;
  copy?: (sourceKey: string, destinationKey: string, options?: CallOptions) => Promise<void>;
  presignGet?: (key: string, options: PresignOptions) => Promise<string>;
  listPendingUploads?: (options?: ListPendingUploadsOptions) => Promise<PendingUploadPage>;
  abortPendingUpload?: (upload: Pick<PendingUpload, 'key' | 'id'>, options?: CallOptions) => Promise<void>;

  readonly #objects = new Map<string, StoredObject>();
  readonly #blocked = new Set<string>();
  readonly #urls = new Map<string, { key: string; expires: number }>();
  /** Uploads begun and not finished, by id: puts in flight and those left by {@link leave}. */
  readonly #pending = new Map<string, PendingUpload>();
  #server: Promise<{ server: Server; base: string }> | undefined;

  constructor(capabilities: Partial<BackendCapabilities> = {}) {
    this.capabilities = {
      serverSideCopy: capabilities.serverSideCopy ?? false,
      conditionalCreate: capabilities.conditionalCreate ?? false,
      presignedGet: capabilities.presignedGet ?? false,
      pendingUploads: capabilities.pendingUploads ?? false,
    };
    if (this.capabilities.serverSideCopy) this.copy = (s, d, o) => this.#copy(s, d, o);
    if (this.capabilities.presignedGet) this.presignGet = (k, o) => this.#presign(k, o);
    if (this.capabilities.pendingUploads) {
      this.listPendingUploads = (o) => this.#listPending(o);
      this.abortPendingUpload = (u, o) => this.#abortPending(u, o);
    }
  }

  /** Starts an upload of `key` and abandons it, as a killed writer would. */
  leave(key: string): void {
    const id = randomBytes(8).toString('hex');
    this.#pending.set(id, { key, id, initiated: new Date() });
  }

  /** Makes deleting `key` fail until the returned function is called. */
  block(key: string): () => Promise<void> {
    this.#blocked.add(key);
    return async () => void this.#blocked.delete(key);
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    assertValidKey(key);
    throwIfAborted(options.signal);
    const object = this.#find(key);
    const { offset = 0, length } = options.range ?? {};
    const data = object.data.subarray(offset, length === undefined ? undefined : offset + length);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    const stream = Readable.from(chunks, { objectMode: false, highWaterMark: 65536 });
    return options.signal === undefined ? stream : addAbortSignal(options.signal, stream);
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    assertValidKey(key);
    throwIfAborted(options.signal);
    if (options.ifNoneMatch !== undefined && !this.capabilities.conditionalCreate) {
      throw new S3loError(ErrorCode.UNSUPPORTED, 'this memory backend has no conditional create');
    }
    const chunks: Buffer[] = [];
    const id = randomBytes(8).toString('hex');
    this.#pending.set(id, { key, id, initiated: new Date() });
    let aborted = false;
    try {
      await pipeline(
        bodyToStream(body),
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
      if (isAbortError(error)) throw new S3loError(ErrorCode.ABORTED, 'the operation was aborted', { cause: error });
      throw new S3loError(ErrorCode.BACKEND_ERROR, `writing ${key} failed`, { cause: error });
    } finally {
      // Gone from the map means someone aborted it meanwhile.
      aborted = !this.#pending.delete(id);
    }
    if (aborted) throw new S3loError(ErrorCode.BACKEND_ERROR, `writing ${key} failed: its upload was aborted`);
    if (options.ifNoneMatch === '*' && this.#objects.has(key)) {
      throw new S3loError(ErrorCode.ALREADY_EXISTS, `${key} already exists`);
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
    const after = continuationToken === undefined ? undefined : Buffer.from(continuationToken, 'base64url').toString('utf8');
    const entries = new Map<string, ObjectInfo | undefined>();
    for (const [key, object] of this.#objects) {
      if (!key.startsWith(prefix)) continue;
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (at >= 0 && delimiter) entries.set(key.slice(0, at + delimiter.length), undefined);
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
    for (const key of keys) assertValidKey(key);
    throwIfAborted(options.signal);
    const deleted: string[] = [];
    const failed: { key: string; error: S3loError }[] = [];
    for (const key of keys) {
      if (this.#blocked.has(key)) {
        failed.push({ key, error: new S3loError(ErrorCode.PERMISSION_DENIED, `deleting ${key} is blocked`) });
      } else {
        this.#objects.delete(key);
        deleted.push(key);
      }
    }
    return { deleted, failed };
  }

  async close(): Promise<void> {
    const started = this.#server;
    this.#server = undefined;
    if (started !== undefined) {
      const { server } = await started;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async #listPending(options: ListPendingUploadsOptions = {}): Promise<PendingUploadPage> {
    throwIfAborted(options.signal);
    const { prefix = '' } = options;
    assertValidPrefix(prefix);
    const pageSize = Math.min(options.pageSize ?? 1000, 1000);
    const after = options.continuationToken === undefined ? -1 : Number(options.continuationToken);
    const all = [...this.#pending.values()].filter((u) => u.key.startsWith(prefix)).sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.id, b.id));
    const uploads = all.slice(after + 1, after + 1 + pageSize);
    return after + 1 + pageSize < all.length ? { uploads, nextToken: String(after + pageSize) } : { uploads };
  }

  async #abortPending(upload: Pick<PendingUpload, 'key' | 'id'>, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    this.#pending.delete(upload.id);
  }

  async #copy(sourceKey: string, destinationKey: string, options: CallOptions = {}): Promise<void> {
    assertValidKey(sourceKey);
    assertValidKey(destinationKey);
    throwIfAborted(options.signal);
    const source = this.#find(sourceKey);
    this.#objects.set(destinationKey, { data: source.data, lastModified: new Date() });
  }

  async #presign(key: string, options: PresignOptions): Promise<string> {
    assertValidKey(key);
    throwIfAborted(options.signal);
    const { base } = await this.#startServer();
    const token = randomBytes(16).toString('hex');
    this.#urls.set(token, { key, expires: Date.now() + options.expiresInSeconds * 1000 });
    return `${base}/${token}`;
  }

  #startServer(): Promise<{ server: Server; base: string }> {
    this.#server ??= new Promise((resolve, reject) => {
      const server = createServer((request, response) => {
        const grant = this.#urls.get((request.url ?? '').slice(1));
        const object = grant !== undefined && grant.expires > Date.now() ? this.#objects.get(grant.key) : undefined;
        if (object === undefined) {
          response.writeHead(403).end();
          return;
        }
        response.writeHead(200, { 'content-length': object.data.length }).end(object.data);
      });
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    });
    return this.#server;
  }

  #find(key: string): StoredObject {
    const object = this.#objects.get(key);
    if (object === undefined) throw new S3loError(ErrorCode.NOT_FOUND, `no object ${key}`, { details: { key } });
    return object;
  }
}
