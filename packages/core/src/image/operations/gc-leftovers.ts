import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import type { Digest } from '../../digest/digest.js';
import type { PendingUpload } from '../../storage/backend.js';
import { listAllPendingUploads, supportsPendingUploads } from '../../storage/pending-uploads.js';
import { digestOfBlobKey } from '../bucket-layout.js';
import type { BucketStore } from '../bucket-store.js';
import { readGcRuns } from '../gc-runs.js';
import { readLeasedDigests } from '../leases.js';

/** GC-run markers of other runs that {@link gc} found (see `gc-runs.ts`). */
export interface GcRunFigures {
  /** Markers pushes wait for now: other runs, or a killed run's until it expires. */
  readonly active: number;
  /**
   * Markers past their expiry: leftovers of killed runs, and unreadable ones
   * past the protocol's longest expiry. A real run removes them.
   */
  readonly expired: number;
  /** Markers whose written expiry lay beyond the protocol's limit (obeyed only up to it). */
  readonly capped: number;
  /** Markers no GC of this protocol wrote (pushes do not obey them). */
  readonly unreadable: number;
  /** Markers this run removed: `expired`, or 0 in a dry run. */
  readonly removed: number;
  /** The keys of the expired markers (removed, or in a dry run to be removed). */
  readonly expiredKeys: readonly string[];
}

/** A pending upload in {@link PendingUploadFigures}. */
export interface StaleUpload {
  /** The key it writes (see `PendingUpload.key`). */
  readonly key: string;
  /** The store's name for it (S3's UploadId, a temporary file's path). */
  readonly id: string;
  /** When it began (or last wrote), ISO 8601. */
  readonly initiated: string;
}

/** Pending uploads (abandoned multipart uploads, temporary files of interrupted writes) that {@link gc} found. */
export interface PendingUploadFigures {
  /**
   * False when the store cannot list pending uploads (its backend does not
   * declare `pendingUploads`, or the store refused the request as
   * unsupported): then every count is 0.
   */
  readonly checked: boolean;
  /** Pending uploads found. */
  readonly found: number;
  /** Kept: younger than the grace period, or writing a blob that a live push has leased. */
  readonly kept: number;
  /** Older than the grace period and unleased: abandoned. A real run aborts them. */
  readonly stale: number;
  /** Uploads this run aborted: `stale`, or 0 in a dry run. */
  readonly aborted: number;
  /** The abandoned uploads (aborted, or in a dry run to be aborted). */
  readonly staleUploads: readonly StaleUpload[];
}

/**
 * What the leftovers step of a GC run is given. With `dryRun: true` the
 * sweeps only report (a `verify` can call them to list stale markers and
 * abandoned uploads).
 */
export interface LeftoverSweep {
  readonly store: BucketStore;
  readonly dryRun: boolean;
  readonly now: Date;
  readonly gracePeriodMs: number;
  /** The marker of the GC run doing the sweep, which is not a leftover. */
  readonly ownRunKey?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Expired GC-run markers: counted, and removed by a real run. Removing one
 * changes nothing for pushes (they no longer obey it); a run that was only
 * stalled writes its marker again before its next delete batch.
 *
 * @example
 * ```ts
 * const store = await image.openBucket(location, { signal });
 * const runs = await image.sweepGcRuns({ store, dryRun: true, now: new Date(), gracePeriodMs: 0, signal });
 * console.log(`${runs.expired} stale GC marker(s): ${runs.expiredKeys.join(', ')}`);
 * ```
 */
export async function sweepGcRuns(sweep: LeftoverSweep): Promise<GcRunFigures> {
  const { store, dryRun, now, ownRunKey, signal } = sweep;
  const runs = (await readGcRuns(store, { now, signal })).filter((run) => run.key !== ownRunKey);
  const expired = runs.filter((run) => !run.active && run.expires.getTime() <= now.getTime());
  const expiredKeys = expired.map((run) => run.key);
  if (!dryRun && expiredKeys.length > 0) await deleteKeys(store, expiredKeys, 'expired GC-run marker(s)', signal);
  return {
    active: runs.filter((run) => run.active).length,
    expired: expired.length,
    capped: runs.filter((run) => run.capped).length,
    unreadable: runs.filter((run) => run.unreadable !== undefined).length,
    removed: dryRun ? 0 : expiredKeys.length,
    expiredKeys,
  };
}

/**
 * Pending uploads older than the grace period whose key is not a blob an
 * unexpired lease names: counted, and aborted by a real run.
 *
 * Why a running push never loses its upload: a push writes its lease
 * before it starts any upload and renews it while it runs, so the lease of
 * a push owning an upload listed here was written before the listing, and
 * the leases are read after it: the push's blob is leased, and kept,
 * however long the upload takes. Writers without leases (the Go s3lo, a
 * copy of anything but an image) are protected by the grace period only: an
 * upload older than that is taken for abandoned, and a writer still on it
 * fails (its object never appears half-written). Pushes never write a tag
 * or lease as a multipart upload (they are small single writes).
 *
 * @example
 * ```ts
 * const uploads = await image.sweepPendingUploads({ store, dryRun: true, now: new Date(), gracePeriodMs: 3_600_000, signal });
 * if (uploads.checked) for (const upload of uploads.staleUploads) console.log(`abandoned upload of ${upload.key} since ${upload.initiated}`);
 * ```
 */
export async function sweepPendingUploads(sweep: LeftoverSweep): Promise<PendingUploadFigures> {
  const { store, dryRun, now, gracePeriodMs, signal } = sweep;
  const none: PendingUploadFigures = { checked: false, found: 0, kept: 0, stale: 0, aborted: 0, staleUploads: [] };
  if (!supportsPendingUploads(store.backend)) return none;
  const uploads: PendingUpload[] = [];
  try {
    for await (const upload of listAllPendingUploads(store.backend, { signal })) uploads.push(upload);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.UNSUPPORTED)) return none;
    throw error;
  }
  // After the listing: every push owning a listed upload wrote its lease before it (see above).
  const leased = uploads.length === 0 ? new Set<Digest>() : (await readLeasedDigests(store, { now, signal })).digests;
  const stale = uploads.filter((upload) => {
    if (now.getTime() - upload.initiated.getTime() < gracePeriodMs) return false;
    const digest = digestOfBlobKey(upload.key);
    return digest === undefined || !leased.has(digest);
  });
  if (!dryRun) {
    for (const upload of stale) await store.backend.abortPendingUpload(upload, { signal });
  }
  return {
    checked: true,
    found: uploads.length,
    kept: uploads.length - stale.length,
    stale: stale.length,
    aborted: dryRun ? 0 : stale.length,
    staleUploads: stale.map((upload) => ({ key: upload.key, id: upload.id, initiated: upload.initiated.toISOString() })),
  };
}

/** Deletes keys, throwing the first failure with every failed key in `details.failedKeys`. */
export async function deleteKeys(store: BucketStore, keys: readonly string[], what: string, signal: AbortSignal | undefined): Promise<void> {
  const result = await store.backend.deleteMany(keys, { signal });
  const first = result.failed[0];
  if (first === undefined) return;
  throw new S3loError(first.error.code, `gc could not delete ${result.failed.length} ${what} (${first.key}: ${first.error.message})`, {
    cause: first.error,
    details: { failedKeys: result.failed.map((failure) => failure.key) },
  });
}
