import { randomBytes } from 'node:crypto';
import { parseDigest, type Digest } from '../digest/digest.js';
import { throwIfAborted } from '../errors/abort.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { CallOptions } from '../storage/backend.js';
import { readAllCapped } from '../storage/body.js';
import { listAll } from '../storage/list-all.js';
import type { BucketStore } from './bucket-store.js';
import { mapConcurrent } from '../storage/map-concurrent.js';

/**
 * Push leases: how GC stays safe while pushes run (the bucket format lets GC
 * "otherwise protect blobs of in-flight pushes"; distribution's GC needs the
 * registry stopped, ours does not). The protocol, in five lines:
 *
 * 1. A push writes a lease naming every digest its tag will reach (child manifests, configs, layers) BEFORE it checks which blobs exist, and releases it after the tag is written (or the push failed).
 * 2. GC lists `blobs/sha256/` FIRST (only blobs in that listing can be deleted), then reads the leases and the tags; leased digests count as roots.
 * 3. Right before each delete batch GC re-reads the leases, re-lists the tags (reading new or changed ones), and drops every digest now leased or referenced.
 * 4. {@link BucketStore.writeTag} re-checks every blob right before the tag PUT, so a blob GC deleted before that check fails the push instead of producing a broken tag.
 * 5. The window left between GC's last re-read and a delete batch it already sent is closed by GC-run markers (`gc-runs.ts`): a push that finds a GC running when it is about to write its tag waits for the run to end, then uploads again what it deleted. A push running longer than its lease's TTL is no longer protected.
 *
 * Leases live at `leases/<random id>.json`, a prefix the Go s3lo ignores (its
 * pushes write no leases; they are protected only by GC's grace period, since
 * it refreshes whole blobs it reuses). A lease is JSON:
 * `{ "kind": "s3lo-push-lease", "version": 1, "created": ISO, "expires": ISO, "digests": [...] }`.
 * A lease protects exactly the digests it lists, until it is released or expires.
 */
export const LeaseLayout = {
  prefix: 'leases/',
  kind: 's3lo-push-lease',
  version: 1,
  /** Default lifetime of a lease: a push taking longer loses its protection. */
  defaultTtlMs: 24 * 60 * 60 * 1000,
  /** Largest lease accepted when reading (about 50 000 digests). */
  maxBytes: 4 * 1024 * 1024,
} as const;

const READ_CONCURRENCY = 16;

/** Options of {@link writeLease}. */
export interface WriteLeaseOptions extends CallOptions {
  /**
   * How long the lease protects its digests. GC ignores (and, when not a dry
   * run, deletes) expired leases, so a crashed push does not pin blobs forever.
   * @default 86_400_000 (24 hours)
   */
  readonly ttlMs?: number;
  /** The creation time written into the lease; the current time by default. */
  readonly now?: Date;
}

/** A lease written by {@link writeLease}. */
export interface PushLease {
  /** The lease object's key, `leases/<random id>.json`. */
  readonly key: string;
  /** When GC stops honouring the lease. */
  readonly expires: Date;
  /** Deletes the lease. Calling it again does nothing. */
  release(): Promise<void>;
}

/** Options of {@link readLeasedDigests}. */
export interface ReadLeasesOptions extends CallOptions {
  /** Leases expiring at or before this time are expired; the current time by default. */
  readonly now?: Date;
}

/** What {@link readLeasedDigests} found. */
export interface LeasedDigests {
  /** Every digest named by an unexpired lease. */
  readonly digests: Set<Digest>;
  /** Keys of the unexpired leases. */
  readonly activeKeys: string[];
  /** Keys of expired leases: ignored, and safe to delete. */
  readonly expiredKeys: string[];
}

/**
 * Writes a push lease protecting `digests` from GC until it is released or
 * `ttlMs` passes. Call it before checking which blobs the bucket already has
 * (see the protocol at {@link LeaseLayout}), with every digest the tag will reach.
 *
 * @throws S3loError INVALID_DIGEST for a malformed digest, INVALID_ARGUMENT
 *   for a bad `ttlMs`; the backend's error when the write fails.
 *
 * @example
 * ```ts
 * const lease = await writeLease(store, [indexChildDigest, configDigest, ...layerDigests], { signal });
 * try {
 *   // upload the blobs the bucket lacks, then:
 *   await store.writeTag('team/app', 'v1', manifestBytes, { signal });
 * } finally {
 *   await lease.release();
 * }
 * ```
 */
export async function writeLease(store: BucketStore, digests: readonly Digest[], options: WriteLeaseOptions = {}): Promise<PushLease> {
  const ttlMs = options.ttlMs ?? LeaseLayout.defaultTtlMs;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `a lease's ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`);
  }
  const unique = [...new Set(digests.map((digest) => parseDigest(digest, 'leased digest')))].sort();
  const created = options.now ?? new Date();
  const expires = new Date(created.getTime() + ttlMs);
  const key = `${LeaseLayout.prefix}${randomBytes(16).toString('hex')}.json`;
  const body = Buffer.from(
    `${JSON.stringify({ kind: LeaseLayout.kind, version: LeaseLayout.version, created: created.toISOString(), expires: expires.toISOString(), digests: unique })}\n`,
  );
  throwIfAborted(options.signal);
  await store.backend.put(key, body, { size: body.length, signal: options.signal, contentType: 'application/json' });
  let released = false;
  return {
    key,
    expires,
    async release() {
      if (released) return;
      // Not the push's signal: a cancelled push must still give its lease back.
      const result = await store.backend.deleteMany([key]);
      const failure = result.failed[0];
      if (failure !== undefined) throw failure.error;
      released = true;
    },
  };
}

/**
 * Reads every lease in the bucket: the digests the unexpired ones protect,
 * and the keys of the expired ones. Fails closed: a lease that cannot be read
 * or parsed throws (GC then deletes nothing), since the digests it protects
 * cannot be known. A lease deleted between listing and reading was released
 * and is skipped.
 *
 * @throws S3loError INVALID_MANIFEST for an unreadable lease (its key in
 *   `details.key`); the backend's error when listing or reading fails.
 *
 * @example
 * ```ts
 * const { digests, expiredKeys } = await readLeasedDigests(store, { signal, now: new Date() });
 * const deletable = unreferenced.filter((digest) => !digests.has(digest));
 * ```
 */
export async function readLeasedDigests(store: BucketStore, options: ReadLeasesOptions = {}): Promise<LeasedDigests> {
  const now = (options.now ?? new Date()).getTime();
  const keys: string[] = [];
  for await (const object of listAll(store.backend, { prefix: LeaseLayout.prefix, signal: options.signal })) keys.push(object.key);
  const digests = new Set<Digest>();
  const activeKeys: string[] = [];
  const expiredKeys: string[] = [];
  const leases = await mapConcurrent(keys, READ_CONCURRENCY, options.signal, (key) => readLease(store, key, options.signal));
  for (const [i, key] of keys.entries()) {
    const lease = leases[i];
    if (lease === undefined) continue;
    if (lease.expires <= now) {
      expiredKeys.push(key);
      continue;
    }
    activeKeys.push(key);
    for (const digest of lease.digests) digests.add(digest);
  }
  return { digests, activeKeys, expiredKeys };
}

async function readLease(store: BucketStore, key: string, signal: AbortSignal | undefined): Promise<{ expires: number; digests: Digest[] } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readAllCapped(await store.backend.get(key, { signal }), LeaseLayout.maxBytes, `lease ${key}`);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
    if (S3loError.isInstance(error, ErrorCode.TOO_LARGE)) throw unreadable(key, 'it is too large', error);
    // Network, permission, abort: the caller fails with the store's own error.
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw unreadable(key, 'it is not JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unreadable(key, 'it is not a JSON object');
  const lease = value as Record<string, unknown>;
  if (lease['kind'] !== LeaseLayout.kind) throw unreadable(key, `its "kind" is ${JSON.stringify(lease['kind'])}, not "${LeaseLayout.kind}"`);
  if (lease['version'] !== LeaseLayout.version) {
    throw unreadable(key, `it is version ${JSON.stringify(lease['version'])}; this s3lo reads version ${LeaseLayout.version} (a newer s3lo wrote it?)`);
  }
  const expires = typeof lease['expires'] === 'string' ? Date.parse(lease['expires']) : Number.NaN;
  if (Number.isNaN(expires)) throw unreadable(key, 'its "expires" is not an ISO date');
  const listed = lease['digests'];
  if (!Array.isArray(listed)) throw unreadable(key, 'its "digests" is not an array');
  let digests: Digest[];
  try {
    digests = listed.map((digest) => parseDigest(digest, 'leased digest'));
  } catch (error) {
    throw unreadable(key, 'it lists a malformed digest', error);
  }
  return { expires, digests };
}

function unreadable(key: string, problem: string, cause?: unknown): S3loError {
  const why = S3loError.isInstance(cause) || cause instanceof Error ? `: ${cause.message}` : '';
  return new S3loError(ErrorCode.INVALID_MANIFEST, `push lease ${key} is unusable: ${problem}${why}`, {
    cause,
    details: { key },
    hint: `GC cannot know what the lease protects, so it deletes nothing; if no push is running, delete ${key}`,
  });
}
