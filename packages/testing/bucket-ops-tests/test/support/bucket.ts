// A real bucket for each test: a temporary directory served by
// @s3lo/backend-local, populated through the public BucketStore API
// (blobs first, then the tag) with small generated images.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import localBackend from '@s3lo/backend-local';
import { PluginRegistry, type Digest } from '@s3lo/core';
import { openBucket, type BucketStore } from '@s3lo/core/image';
import { BucketLocation } from '@s3lo/core/ref';
import type { ListOptions, StorageBackend } from '@s3lo/core/storage';

export interface Blob {
  readonly digest: Digest;
  readonly size: number;
  readonly bytes: Buffer;
}

export function blobOf(bytes: Buffer | string): Blob {
  const buffer = Buffer.from(bytes);
  return { digest: `sha256:${createHash('sha256').update(buffer).digest('hex')}`, size: buffer.length, bytes: buffer };
}

export function layer(size = 256): Blob {
  return blobOf(randomBytes(size));
}

export function config(os: string, architecture: string, salt = randomBytes(4).toString('hex')): Blob {
  return blobOf(JSON.stringify({ os, architecture, rootfs: { type: 'layers', diff_ids: [] }, salt }));
}

export interface Built {
  readonly bytes: Buffer;
  readonly digest: Digest;
  readonly config: Blob;
  readonly layers: Blob[];
  /** config + layers, from the descriptors. */
  readonly size: number;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface TestBucket {
  readonly dir: string;
  readonly location: BucketLocation;
  /** `local:///tmp/...//`, the bucket-level reference as users type it. */
  readonly url: string;
  readonly registry: PluginRegistry;
  readonly store: BucketStore;
  /** `<url><image>:<tag>` or `<url><image>@<digest>`. */
  ref(imageAndTag: string): string;
  /** Writes a manifest's blobs (not the tag). */
  putManifest(cfg: Blob, layers: Blob[]): Promise<Built>;
  /** A single-platform image: blobs, then the tag. */
  push(image: string, tag: string, layers?: Blob[], cfg?: Blob): Promise<Built>;
  /** A multi-platform image: every child's blobs, each child as a blob, then the index as the tag. */
  pushIndex(
    image: string,
    tag: string,
    children: { platform: { os: string; architecture: string; variant?: string }; manifest: Built; annotations?: Record<string, string> }[],
  ): Promise<Built & { childDigests: Digest[] }>;
  /** Every key in the bucket, sorted (files below the directory). */
  keys(): Promise<string[]>;
  /** Sets the mtime of the objects under a key prefix (GC's grace period reads it). */
  age(keyPrefix: string, ageMs: number): Promise<void>;
  /** Corrupts a stored blob in place: flips bytes in its middle, keeping its size (what a push trusts). */
  tamper(digest: Digest): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createBucket(): Promise<TestBucket> {
  const scratch = await mkdtemp(join(tmpdir(), 's3lo-bucket-ops-'));
  const dir = join(scratch, 'bucket');
  const location = BucketLocation.from({ scheme: 'local', bucket: dir });
  const registry = new PluginRegistry();
  registry.registerBackend(localBackend);
  const store = await openBucket(location, { registry });
  const url = location.toString();

  async function putManifest(cfg: Blob, layers: Blob[]): Promise<Built> {
    for (const blob of [cfg, ...layers]) await store.putBlob(blob.digest, blob.size, blob.bytes);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
        layers: layers.map((l) => ({ mediaType: LAYER, digest: l.digest, size: l.size })),
      }),
    );
    return { ...blobOf(bytes), config: cfg, layers, size: layers.reduce((sum, l) => sum + l.size, cfg.size) };
  }

  async function keys(): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) =>
        join(entry.parentPath, entry.name)
          .slice(dir.length + 1)
          .split('\\')
          .join('/'),
      )
      .sort();
  }

  return {
    dir,
    location,
    url,
    registry,
    store,
    ref: (imageAndTag) => `${url}${imageAndTag}`,
    putManifest,
    async push(image, tag, layers = [layer()], cfg = config('linux', 'amd64')) {
      const built = await putManifest(cfg, layers);
      await store.writeTag(image, tag, built.bytes);
      return built;
    },
    async pushIndex(image, tag, children) {
      for (const child of children) await store.putBlob(child.manifest.digest, child.manifest.bytes.length, child.manifest.bytes);
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: children.map((child) => ({
            mediaType: OCI_MANIFEST,
            digest: child.manifest.digest,
            size: child.manifest.bytes.length,
            platform: child.platform,
            ...(child.annotations === undefined ? {} : { annotations: child.annotations }),
          })),
        }),
      );
      await store.writeTag(image, tag, bytes);
      const first = children[0]!.manifest;
      return {
        ...blobOf(bytes),
        config: first.config,
        layers: [],
        size: children.reduce((sum, child) => sum + child.manifest.size, 0),
        childDigests: children.map((child) => child.manifest.digest),
      };
    },
    keys,
    async age(keyPrefix, ageMs) {
      const when = new Date(Date.now() - ageMs);
      for (const key of await keys()) {
        if (key.startsWith(keyPrefix)) await utimes(join(dir, ...key.split('/')), when, when);
      }
    },
    async tamper(digest) {
      const handle = await open(join(dir, ...blobKey(digest).split('/')), 'r+');
      try {
        const { size } = await handle.stat();
        const at = Math.floor(size / 2);
        const bytes = Buffer.alloc(Math.min(16, size - at));
        await handle.read(bytes, 0, bytes.length, at);
        await handle.write(Buffer.from(bytes.map((b) => b ^ 0xff)), 0, bytes.length, at);
      } finally {
        await handle.close();
      }
    },
    async cleanup() {
      await store.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** `blobs/sha256/<hex>` */
export function blobKey(digest: Digest): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

/**
 * A registry whose `local` backend is the real one with a hook run before
 * each `list` call: how a test stages a push landing at an exact point of a
 * GC run (the hook runs, then the real listing).
 */
export function registryWithListHook(before: (options: ListOptions) => Promise<void>): PluginRegistry {
  return registryWithHooks({ list: (options) => before(options as ListOptions) });
}

/** Hooks run before the real backend method, with its arguments. */
export type BackendHooks = Partial<Record<'get' | 'list' | 'deleteMany' | 'put', (...args: unknown[]) => Promise<void>>>;

/**
 * A registry whose `local` backend is the real one with hooks run before
 * some of its methods: how a test stages another writer acting at an exact
 * point of an operation (the hook runs, then the real call).
 */
export function registryWithHooks(hooks: BackendHooks): PluginRegistry {
  return registryAround((backend) => {
    const wrapped: Partial<Record<keyof BackendHooks, unknown>> = {};
    for (const [name, hook] of Object.entries(hooks) as [keyof BackendHooks, (...args: unknown[]) => Promise<void>][]) {
      const real = (backend[name] as (...a: unknown[]) => Promise<unknown>).bind(backend);
      wrapped[name] = async (...args: unknown[]) => {
        await hook(...args);
        return real(...args);
      };
    }
    return wrapped as Partial<StorageBackend>;
  });
}

/** A registry whose `local` backend is the real one with some methods replaced by `decorate(real)`. */
export function registryAround(decorate: (backend: StorageBackend) => Partial<StorageBackend>): PluginRegistry {
  const registry = new PluginRegistry();
  registry.registerBackend({
    ...localBackend,
    async create(bucket, options) {
      const backend = await localBackend.create(bucket, options);
      const replaced = decorate(backend);
      return new Proxy(backend, {
        get(target, property) {
          const value: unknown = Reflect.get(replaced, property) ?? Reflect.get(target, property, target);
          return typeof value === 'function' && !(property in replaced) ? value.bind(target) : value;
        },
      });
    },
  });
  return registry;
}
