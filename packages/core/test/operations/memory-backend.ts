// A TEST DOUBLE for logic checks only (sort order, fail closed, races staged
// between calls): an in-memory StorageBackend with just enough of the
// contract for the bucket operations. It proves nothing about a real store;
// the real proof is @s3lo/bucket-ops-tests on the local filesystem backend.
import { Readable } from 'node:stream';
import { ErrorCode, S3loError } from '../../src/errors/index.js';
import { PluginRegistry } from '../../src/plugins/plugin-registry.js';
import { BucketStore } from '../../src/image/bucket-store.js';
import type { CallOptions, DeleteResult, ListOptions, ListPage, ObjectInfo, PutBody, PutOptions, StorageBackend } from '../../src/storage/backend.js';
import { STORAGE_CONTRACT_VERSION } from '../../src/storage/backend.js';
import { bodyToStream, readAllCapped } from '../../src/storage/body.js';

interface Stored {
  bytes: Buffer;
  lastModified: Date;
}

/** Hooks a test uses to stage what happens "between" the operation's calls. */
export interface MemoryHooks {
  beforeList?: (options: ListOptions) => Promise<void> | void;
  beforeGet?: (key: string) => Promise<void> | void;
  /** Runs before a put stores its bytes (a slow write, staged). */
  beforePut?: (key: string) => Promise<void> | void;
  /** Return a per-key failure for keys that must not be deleted. */
  deleteFailure?: (key: string) => S3loError | undefined;
}

export class MemoryBackend implements StorageBackend {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly scheme = 'mem';
  readonly capabilities = { serverSideCopy: false, conditionalCreate: false, presignedGet: false };
  readonly objects = new Map<string, Stored>();
  hooks: MemoryHooks = {};
  deleteCalls: string[][] = [];

  constructor(readonly bucket: string) {}

  async get(key: string): Promise<Readable> {
    await this.hooks.beforeGet?.(key);
    const stored = this.objects.get(key);
    if (stored === undefined) throw new S3loError(ErrorCode.NOT_FOUND, `no object ${key}`);
    return Readable.from([stored.bytes]);
  }

  async put(key: string, body: PutBody, _options?: PutOptions): Promise<void> {
    const bytes = await readAllCapped(bodyToStream(body), 1 << 30, key);
    await this.hooks.beforePut?.(key);
    this.objects.set(key, { bytes, lastModified: new Date() });
  }

  async stat(key: string): Promise<ObjectInfo> {
    const stored = this.objects.get(key);
    if (stored === undefined) throw new S3loError(ErrorCode.NOT_FOUND, `no object ${key}`);
    return { key, size: stored.bytes.length, lastModified: stored.lastModified };
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    if (options.delimiter !== undefined) throw new Error('the memory test double does not list with a delimiter');
    await this.hooks.beforeList?.(options);
    const prefix = options.prefix ?? '';
    const after = options.continuationToken;
    const keys = [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || Buffer.compare(Buffer.from(key), Buffer.from(after)) > 0))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, options.pageSize ?? 1000);
    const objects = page.map((key) => ({ key, size: this.objects.get(key)!.bytes.length, lastModified: this.objects.get(key)!.lastModified }));
    return { objects, commonPrefixes: [], nextToken: keys.length > page.length ? page.at(-1) : undefined };
  }

  async deleteMany(keys: readonly string[], _options?: CallOptions): Promise<DeleteResult> {
    this.deleteCalls.push([...keys]);
    const deleted: string[] = [];
    const failed: { key: string; error: S3loError }[] = [];
    for (const key of keys) {
      const error = this.hooks.deleteFailure?.(key);
      if (error !== undefined) failed.push({ key, error });
      else {
        this.objects.delete(key);
        deleted.push(key);
      }
    }
    return { deleted, failed };
  }

  /** Ages every object by `ms`. */
  ageAll(ms: number): void {
    for (const stored of this.objects.values()) stored.lastModified = new Date(stored.lastModified.getTime() - ms);
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
}

/** A registry serving `mem://<bucket>` from one MemoryBackend per bucket name, plus a store on it for setup. */
export function memoryBucket(bucket = 'test') {
  const backend = new MemoryBackend(bucket);
  const registry = new PluginRegistry();
  registry.registerBackend({
    kind: 'backend',
    contractVersion: STORAGE_CONTRACT_VERSION,
    name: 'memory-test-double',
    schemes: ['mem'],
    create: () => backend,
  });
  return { backend, registry, store: new BucketStore(backend), url: `mem://${bucket}` };
}
