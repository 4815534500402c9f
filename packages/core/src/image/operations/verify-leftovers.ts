import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import type { BucketStore } from '../bucket-store.js';
import { readLeasedDigests } from '../leases.js';
import { sweepGcRuns, sweepPendingUploads, type LeftoverSweep } from './gc-leftovers.js';
import type { VerifyLeftovers } from './verify-result.js';

/**
 * The leftovers of interrupted work in a bucket, counted the way `gc`
 * counts them in a dry run (so `clean --confirm` removes exactly what is
 * reported stale): GC-run markers, push leases, pending uploads. Nothing is
 * removed. A lease that cannot be read is reported instead of failing the
 * verification; pending uploads are then not judged (`uploads: null`), since
 * an abandoned upload is told from a running push's only by the leases.
 */
export async function findLeftovers(store: BucketStore, now: Date, gracePeriodMs: number, signal: AbortSignal | undefined): Promise<VerifyLeftovers> {
  const sweep: LeftoverSweep = { store, dryRun: true, now, gracePeriodMs, signal };
  const gcRuns = await sweepGcRuns(sweep);
  try {
    const leases = await readLeasedDigests(store, { now, signal });
    return {
      gcRuns,
      leases: { active: leases.activeKeys.length, expired: leases.expiredKeys.length, expiredKeys: leases.expiredKeys, unreadable: null },
      uploads: await sweepPendingUploads(sweep),
    };
  } catch (error) {
    if (!S3loError.isInstance(error, ErrorCode.INVALID_MANIFEST) || typeof error.details['key'] !== 'string') throw error;
    return { gcRuns, leases: { active: 0, expired: 0, expiredKeys: [], unreadable: { key: error.details['key'], message: error.message } }, uploads: null };
  }
}
