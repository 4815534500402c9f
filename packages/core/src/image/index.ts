/**
 * Images in a bucket and elsewhere: the bucket format's keys and write order
 * ({@link BucketStore}), the source/sink contract every image location
 * implements, and the image operations built on them.
 * @module
 */
export { BucketLayout, blobKey, digestOfBlobKey, tagKey, tagPrefix, tagOwnsKey, signaturesTagKey, parseTagKey } from './bucket-layout.js';
export { BucketStore, type BlobTransferOptions, type StoredManifest, type TagChangeOptions } from './bucket-store.js';
export * from '../bucket-config/index.js';
export * from './transport.js';
export { openBucket, type BucketOperationOptions } from './open-bucket.js';
export * from './oci-layout/index.js';
export * from './operations/index.js';
export { deleteImage as delete } from './operations/delete.js';
export { push, pull, copy, type CopyOptions, type CopyResult } from './copy/copy-operations.js';
export {
  copyImage,
  DEFAULT_COPY_CONCURRENCY,
  type CopyImageOptions,
  type CopyImageResult,
  type BlobProgress,
  type CopyStart,
} from './copy/copy-image.js';
export { openSource, openSink, type OpenLocationOptions } from './copy/open-location.js';
export { BucketImageSource } from './copy/bucket-source.js';
export { BucketImageSink, type BucketSinkOptions } from './copy/bucket-sink.js';
export {
  GcRunLayout,
  startGcRun,
  readGcRuns,
  judgeGcRun,
  waitForGcRuns,
  type GcRunMarker,
  type GcRunInfo,
  type GcWaitEvent,
  type ReadGcRunsOptions,
  type WaitForGcRunsOptions,
} from './gc-runs.js';
export { CLOCK_SKEW_MS, systemClock, type Clock } from './protocol-clock.js';
