/**
 * Bucket-side image operations: {@link list}, {@link inspect},
 * {@link deleteImage}, {@link gc}, {@link stats} and {@link verify}, plus the push leases
 * that keep GC safe while pushes run.
 * @module
 */
export { list, type ListedImage } from './list.js';
export { inspect, type InspectResult, type InspectedBlob, type InspectedPlatform } from './inspect.js';
export { deleteImage, type DeleteImageOptions, type DeleteImageResult } from './delete.js';
export { gc, DEFAULT_GC_GRACE_PERIOD_MS, GC_DELETE_BATCH, type GcOptions, type GcResult } from './gc.js';
export { sweepGcRuns, sweepPendingUploads, type GcRunFigures, type LeftoverSweep, type PendingUploadFigures, type StaleUpload } from './gc-leftovers.js';
export { stats, type BucketStats } from './stats.js';
export type { BucketLocationInput, BucketImageInput } from './targets.js';
export {
  LeaseLayout,
  writeLease,
  readLeasedDigests,
  type PushLease,
  type WriteLeaseOptions,
  type ReadLeasesOptions,
  type LeasedDigests,
} from '../leases.js';
export {
  verify,
  DEFAULT_VERIFY_CONCURRENCY,
  type VerifyOptions,
  type VerifyTarget,
  type VerifyStart,
  type VerifiedBlob,
} from './verify.js';
export type {
  VerifyResult,
  VerifyScope,
  VerifyRepair,
  VerifyLeftovers,
  RepairSkipReason,
  DanglingTag,
  BrokenTag,
  CorruptBlob,
  MissingBlob,
  UnreadableManifest,
} from './verify-result.js';
