import { BucketImageReference } from './bucket-image-reference.js';
import { BucketLocation } from './bucket-location.js';
import { readBucketReference } from './bucket-path.js';
import { failFor } from './reference-error.js';

const SHAPE = '<scheme>://<bucket>[/<image-name prefix>/ | /<image>:<tag> | /<image>@<digest>]';

/**
 * A bucket, a name filter, or one image: what `verify` takes. Text whose
 * part after the bucket names a tag or digest (`:` or `@`) is a bucket image
 * reference (`s3://b/team/app:v1`, `s3://b/team/app@sha256:...`); anything
 * else is a bucket-level reference (`s3://b`, `s3://b/team/`, and
 * `s3://b/team/app`, the filter selecting `team/app` and the images under it).
 *
 * @throws S3loError INVALID_REFERENCE from whichever of the two parsers applies.
 *
 * @example
 * ```ts
 * import { parseBucketScope } from '@s3lo/core/ref';
 * parseBucketScope('s3://b/team/').kind;        // 'bucket'
 * parseBucketScope('s3://b/team/app:v1').kind;  // 'bucket-image'
 * ```
 */
export function parseBucketScope(text: string): BucketLocation | BucketImageReference {
  const { remainder = '' } = readBucketReference(text, failFor('bucket reference', text), SHAPE);
  return /[:@]/.test(remainder) ? BucketImageReference.parse(text) : BucketLocation.parse(text);
}
