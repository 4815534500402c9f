import type { Digest } from '../../digest/digest.js';
import { throwIfAborted } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { parseManifestDocument } from '../../oci/parse-manifest.js';
import type { ObjectInfo } from '../../storage/backend.js';
import { listAll } from '../../storage/list-all.js';
import { BUCKET_CONFIG_KEY } from '../../bucket-config/bucket-config.js';
import { isBucketNotFound } from '../../storage/missing-bucket.js';
import { BucketLayout, digestOfBlobKey } from '../bucket-layout.js';
import type { BucketStore } from '../bucket-store.js';
import { startGcRun, type GcRunMarker } from '../gc-runs.js';
import { readLeasedDigests } from '../leases.js';
import type { BucketOperationOptions } from '../open-bucket.js';
import { compareUtf8 } from './compare.js';
import { deleteKeys, sweepGcRuns, sweepPendingUploads, type GcRunFigures, type PendingUploadFigures } from './gc-leftovers.js';
import { mapConcurrent } from '../../storage/map-concurrent.js';
import { inContext, ManifestGraph, readManifestObject } from './manifest-graph.js';
import { listRootObjects } from './tag-objects.js';
import { toLocation, withStore, type BucketLocationInput } from './targets.js';

/** Default grace period: unreferenced blobs younger than this are kept. */
export const DEFAULT_GC_GRACE_PERIOD_MS = 60 * 60 * 1000;
/** Keys per `deleteMany` call (S3's DeleteObjects limit). */
export const GC_DELETE_BATCH = 1000;
const READ_CONCURRENCY = 16;
/**
 * Tags written this close to (or after) the start of the mark are re-read
 * before every delete batch even when their listing looks unchanged: stores
 * report modification times to the second, so an overwrite in the same
 * second as the first write has the same size and time. The margin also
 * covers clock skew between this machine and the store.
 */
const RECENT_TAG_WINDOW_MS = 5 * 60 * 1000;

/** Options of {@link gc}. */
export interface GcOptions extends BucketOperationOptions {
  /**
   * Report what would be deleted without deleting anything. A dry run does
   * every read a real run does, so on a bucket nobody writes to meanwhile it
   * reports exactly what a real run then deletes.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Unreferenced blobs younger than this (by their last-modified time) are
   * kept and counted in `skippedRecent`. It protects pushes that write no
   * lease (the Go s3lo's, which refresh the blobs they reuse) and blobs of a
   * push whose lease is not written yet. 0 turns it off.
   * @default 3_600_000 (1 hour)
   */
  readonly gracePeriodMs?: number;
  /** The time the grace period and lease expiry are measured against; the current time by default. */
  readonly now?: Date;
  /**
   * Keys per delete call, 1 to 1000. Leases and tags are re-checked before
   * each batch, so smaller batches narrow the window left for a racing push.
   * @default 1000
   */
  readonly batchSize?: number;
}

/** What {@link gc} found and did. */
export interface GcResult {
  /** True when nothing was deleted on purpose: `deleted`, `freedBytes` and `deletedDigests` say what a real run would delete. */
  readonly dryRun: boolean;
  /** Tag objects read as roots: every key under `manifests/` ending in `/manifest.json`, whole bucket. */
  readonly roots: number;
  /** Blob objects examined: the keys under `blobs/sha256/` that name a digest. */
  readonly scanned: number;
  /** Blobs neither referenced by a tag nor leased when the mark finished. */
  readonly candidates: number;
  /** Candidates deleted (in a dry run: that would be deleted). */
  readonly deleted: number;
  /** Bytes of the deleted (would-be-deleted) blobs. */
  readonly freedBytes: number;
  /** Candidates kept because they are younger than the grace period. */
  readonly skippedRecent: number;
  /** Candidates kept because a push leased them or a new tag referenced them before their delete batch. */
  readonly skippedInUse: number;
  /** The digests deleted (would be deleted), in key order. */
  readonly deletedDigests: Digest[];
  /**
   * Push leases seen: `active` ones protect their digests; `expired` ones
   * (of pushes killed more than a lease's lifetime ago) are ignored and,
   * when not a dry run, deleted (`removed`; 0 in a dry run).
   */
  readonly leases: { readonly active: number; readonly expired: number; readonly removed: number };
  /** Markers of other GC runs: expired ones (a killed run's) are removed when not a dry run. */
  readonly gcRuns: GcRunFigures;
  /**
   * Pending uploads (abandoned S3 multipart uploads, temporary files of
   * interrupted local writes): those older than the grace period and not
   * writing a leased blob are aborted when not a dry run.
   */
  readonly uploads: PendingUploadFigures;
}

interface BlobObject {
  readonly key: string;
  readonly digest: Digest;
  readonly size: number;
  readonly lastModified: Date;
}

/**
 * Garbage-collects a bucket by mark and sweep, safe while pushes run.
 *
 * - Mark: the roots are every key under `manifests/` ending in
 *   `/manifest.json`, in the whole bucket; each root's config and layers are marked, and for an index each
 *   child manifest (read from `blobs/sha256/`, verified) with its config and
 *   layers. Digests of active push leases are roots too (see `leases.ts`).
 * - Fail closed: if any root, child or lease cannot be read or parsed, GC
 *   throws and deletes nothing (a tag deleted while GC runs is simply
 *   skipped).
 * - Sweep: an object under `blobs/sha256/` is deleted when it is unreferenced,
 *   unleased, and older than the grace period. Objects that are not blobs
 *   (leftover `config.json`/`index.json` beside tags, `s3lo.yaml`, keys under
 *   `blobs/sha256/` that are not digests) are never deleted.
 * - Concurrency: the blob listing comes first, so a blob uploaded after it is
 *   never a candidate. Before each batch of deletes the leases are re-read
 *   and the tags re-listed (new or changed tags are read and marked); what
 *   became leased or referenced is kept (`skippedInUse`). Deletes go out in
 *   batches of 1000; keys a batch fails to delete make GC throw after that
 *   batch. A real run stands a marker under `gc-runs/` from before its
 *   first read until its last delete has completed; a push about to write
 *   its tag waits for it, then rewrites whatever the run deleted (see
 *   `gc-runs.ts`).
 * - Leftovers (after the sweep): expired push leases (a running push
 *   renews its own; see `leases.ts`), expired markers of other GC runs, and
 *   pending uploads (abandoned S3 multipart uploads, temporary files of
 *   interrupted local writes; backends with the `pendingUploads`
 *   capability) older than the grace period and not writing a leased blob.
 *   A dry run counts them; a real run removes them (`leases`, `gcRuns`,
 *   `uploads` in the result).
 *
 * A bucket reference with an image-name filter is refused: blobs are shared
 * by every image, so GC always works on the whole bucket, and silently
 * ignoring the filter would surprise whoever typed it.
 *
 * @throws S3loError INVALID_ARGUMENT for a filtered reference or bad
 *   options; the read or parse error (NOT_FOUND, DIGEST_MISMATCH,
 *   INVALID_MANIFEST, ...) when failing closed; the delete error when a
 *   batch partly fails (`details.failedKeys`).
 *
 * @example
 * ```ts
 * import { image } from '@s3lo/core';
 * const preview = await image.gc('s3://my-bucket', { dryRun: true, signal });
 * console.log(`${preview.deleted} blobs, ${preview.freedBytes} bytes would be freed`);
 * const done = await image.gc('s3://my-bucket', { signal });
 * ```
 */
export async function gc(bucketRef: BucketLocationInput, options: GcOptions = {}): Promise<GcResult> {
  const location = toLocation(bucketRef);
  if (location.prefix !== '') {
    const whole = location.toString().slice(0, -location.prefix.length);
    throw new S3loError(
      ErrorCode.INVALID_ARGUMENT,
      `gc works on a whole bucket, but ${location.toString()} names images under "${location.prefix}": blobs are shared by every image of the bucket`,
      { details: { reference: location.toString() }, hint: `run gc on ${whole}` },
    );
  }
  const dryRun = options.dryRun ?? false;
  const gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GC_GRACE_PERIOD_MS;
  if (!Number.isFinite(gracePeriodMs) || gracePeriodMs < 0) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `gracePeriodMs must be a number of milliseconds >= 0, got ${String(gracePeriodMs)}`);
  }
  const batchSize = options.batchSize ?? GC_DELETE_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > GC_DELETE_BATCH) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `batchSize must be an integer from 1 to ${GC_DELETE_BATCH}, got ${String(batchSize)}`);
  }
  const now = options.now ?? new Date();
  const { signal } = options;

  return withStore(location, options, async (store) => {
    // A bucket that is not there fails here, as the dry run's listing does,
    // instead of being created by the marker's write (a local directory).
    await failIfBucketMissing(store, signal);
    // 0. The run's marker, before anything is read: pushes that finish while
    //    it stands wait for it to go (see gc-runs.ts). A dry run deletes nothing.
    const run = dryRun ? undefined : await startGcRun(store, { signal });
    try {
      return await collect(store, run);
    } finally {
      await run?.finish();
    }
  });

  async function collect(store: BucketStore, run: GcRunMarker | undefined): Promise<GcResult> {
    // 1. Blobs first: anything uploaded after this listing is out of reach.
    const blobs = await listBlobs(store, signal);

    // 2. Leases, then tags: a push that released its lease before the tag
    //    listing wrote its tag before it, so one of the two covers it.
    let leases = await readLeasedDigests(store, { signal, now }).catch((error: unknown) => {
      throw inContext(error, stopped(0));
    });
    const marked = new Set<Digest>();
    const roots = new RootSet(store, marked, signal);
    await roots.refresh(0);

    const unreferenced = blobs.filter((blob) => !marked.has(blob.digest) && !leases.digests.has(blob.digest));
    const recent = unreferenced.filter((blob) => now.getTime() - blob.lastModified.getTime() < gracePeriodMs);
    const old = unreferenced.filter((blob) => now.getTime() - blob.lastModified.getTime() >= gracePeriodMs);

    // 3. Sweep, re-checking leases and tags before each batch.
    const deletedDigests: Digest[] = [];
    let freedBytes = 0;
    let skippedInUse = 0;
    const deletedSoFar = (): number => (dryRun ? 0 : deletedDigests.length);
    for (let start = 0; start < old.length; start += batchSize) {
      throwIfAborted(signal);
      leases = await readLeasedDigests(store, { signal, now }).catch((error: unknown) => {
        throw inContext(error, stopped(deletedSoFar()));
      });
      await roots.refresh(deletedSoFar());
      const batch = old.slice(start, start + batchSize).filter((blob) => !marked.has(blob.digest) && !leases.digests.has(blob.digest));
      skippedInUse += Math.min(batchSize, old.length - start) - batch.length;
      if (batch.length === 0) continue;
      if (!dryRun) {
        await run?.refresh({ signal });
        await deleteBatch(store, batch, deletedDigests.length, signal);
      }
      for (const blob of batch) {
        deletedDigests.push(blob.digest);
        freedBytes += blob.size;
      }
    }

    // 4. Leftovers of killed pushes and runs: expired leases (a live push
    //    renews its own), expired markers, abandoned uploads.
    if (!dryRun && leases.expiredKeys.length > 0) await deleteKeys(store, leases.expiredKeys, 'expired push lease(s)', signal);
    const leftovers = { store, dryRun, now, gracePeriodMs, ownRunKey: run?.key, signal };
    const gcRuns = await sweepGcRuns(leftovers);
    const uploads = await sweepPendingUploads(leftovers);

    return {
      dryRun,
      roots: roots.size,
      scanned: blobs.length,
      candidates: unreferenced.length,
      deleted: deletedDigests.length,
      freedBytes,
      skippedRecent: recent.length,
      skippedInUse,
      deletedDigests,
      leases: { active: leases.activeKeys.length, expired: leases.expiredKeys.length, removed: dryRun ? 0 : leases.expiredKeys.length },
      gcRuns,
      uploads,
    };
  }
}

async function listBlobs(store: BucketStore, signal: AbortSignal | undefined): Promise<BlobObject[]> {
  const blobs: BlobObject[] = [];
  for await (const object of listAll(store.backend, { prefix: BucketLayout.blobsPrefix, signal })) {
    const digest = digestOfBlobKey(object.key);
    // Only keys that are exactly a digest: anything else there is not ours to delete.
    if (digest !== undefined) blobs.push({ key: object.key, digest, size: object.size, lastModified: object.lastModified });
  }
  return blobs.sort((a, b) => compareUtf8(a.key, b.key));
}

/**
 * The tag objects of the whole bucket, read and marked. `refresh` lists them
 * again and reads only those that are new, changed, or recent enough that a
 * same-second overwrite could hide (marks only grow: a tag deleted meanwhile
 * keeps its blobs until the next GC).
 */
class RootSet {
  readonly #store: BucketStore;
  readonly #marked: Set<Digest>;
  readonly #signal: AbortSignal | undefined;
  readonly #graph: ManifestGraph;
  readonly #seen = new Map<string, ObjectInfo>();
  #recentSince: number | undefined;

  constructor(store: BucketStore, marked: Set<Digest>, signal: AbortSignal | undefined) {
    this.#store = store;
    this.#marked = marked;
    this.#signal = signal;
    this.#graph = new ManifestGraph(store, signal);
  }

  get size(): number {
    return this.#seen.size;
  }

  async refresh(deletedSoFar: number): Promise<void> {
    this.#recentSince ??= Date.now() - RECENT_TAG_WINDOW_MS;
    const recentSince = this.#recentSince;
    let listing: ObjectInfo[];
    try {
      listing = await listRootObjects(this.#store.backend, this.#signal);
    } catch (error) {
      throw inContext(error, `${stopped(deletedSoFar)}: cannot list the tags`);
    }
    const toRead = listing.filter((object) => {
      const before = this.#seen.get(object.key);
      return before === undefined || before.size !== object.size || before.lastModified.getTime() !== object.lastModified.getTime() || object.lastModified.getTime() >= recentSince;
    });
    await mapConcurrent(toRead, READ_CONCURRENCY, this.#signal, async (object) => {
      try {
        const bytes = await readManifestObject(this.#store, object.key, this.#signal);
        await this.#graph.mark(parseManifestDocument(bytes), this.#marked);
      } catch (error) {
        // Deleted since the listing: a tag that is gone protects nothing.
        // (A NOT_FOUND may also come from a missing child: then the tag is still there.)
        if (S3loError.isInstance(error, ErrorCode.NOT_FOUND) && (await this.#store.statObject(object.key, { signal: this.#signal })) === undefined) return;
        throw inContext(error, `${stopped(deletedSoFar)}: tag ${object.key} cannot be read`, { key: object.key }, 'fix or delete the broken tag, then run gc again');
      }
      this.#seen.set(object.key, object);
    });
  }
}

function stopped(deletedSoFar: number): string {
  return deletedSoFar === 0 ? 'gc deleted nothing' : `gc stopped after deleting ${deletedSoFar} blob(s)`;
}

async function deleteBatch(store: BucketStore, batch: readonly BlobObject[], deletedBefore: number, signal: AbortSignal | undefined): Promise<void> {
  const result = await store.backend.deleteMany(
    batch.map((blob) => blob.key),
    { signal },
  );
  const first = result.failed[0];
  if (first === undefined) return;
  const failedKeys = result.failed.map((failure) => failure.key);
  throw new S3loError(
    first.error.code,
    `gc deleted ${deletedBefore + batch.length - failedKeys.length} blob(s), then could not delete ${failedKeys.length} (${first.key}: ${first.error.message})`,
    { cause: first.error, details: { failedKeys }, hint: 'run gc again once the cause is fixed; what is left is still unreferenced' },
  );
}

/** Throws the backend's NOT_FOUND for a missing bucket; a missing key (the probe) is fine. */
async function failIfBucketMissing(store: BucketStore, signal: AbortSignal | undefined): Promise<void> {
  try {
    await store.backend.stat(BUCKET_CONFIG_KEY, { signal });
  } catch (error) {
    if (isBucketNotFound(error) || !S3loError.isInstance(error, ErrorCode.NOT_FOUND)) throw error;
  }
}
