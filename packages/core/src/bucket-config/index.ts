/**
 * The bucket's own configuration, `s3lo.yaml` (the Go s3lo's): which images'
 * tags are immutable, and their retention. Read by the image operations, so
 * every caller of the library meets the bucket's policy.
 * @module
 */
export {
  BUCKET_CONFIG_KEY,
  EMPTY_BUCKET_CONFIG,
  effectiveImageConfig,
  parseBucketConfig,
  readBucketConfig,
  type BucketConfig,
  type ImageConfig,
  type LifecycleConfig,
} from './bucket-config.js';
export { matchGoPath } from './go-path-match.js';
