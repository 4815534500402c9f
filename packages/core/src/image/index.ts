/**
 * Images in a bucket: the bucket format's keys and write order
 * ({@link BucketStore}). The image operations (push, pull, copy, list,
 * inspect, delete, gc, stats) build on it.
 * @module
 */
export { BucketLayout, blobKey, digestOfBlobKey, tagKey, tagPrefix, parseTagKey } from './bucket-layout.js';
export { BucketStore, type BlobTransferOptions, type StoredManifest } from './bucket-store.js';
