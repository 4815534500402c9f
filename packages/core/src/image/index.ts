/**
 * Images in a bucket and elsewhere: the bucket format's keys and write order
 * ({@link BucketStore}), the source/sink contract every image location
 * implements, and the image operations built on them.
 * @module
 */
export { BucketLayout, blobKey, digestOfBlobKey, tagKey, tagPrefix, parseTagKey } from './bucket-layout.js';
export { BucketStore, type BlobTransferOptions, type StoredManifest } from './bucket-store.js';
export * from './transport.js';
export { openBucket, type BucketOperationOptions } from './open-bucket.js';
export * from './oci-layout/index.js';
