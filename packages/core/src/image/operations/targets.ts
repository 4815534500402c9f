import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { BucketImageReference } from '../../ref/bucket-image-reference.js';
import { BucketLocation } from '../../ref/bucket-location.js';
import type { BucketStore } from '../bucket-store.js';
import { openBucket, type BucketOperationOptions } from '../open-bucket.js';

/** A bucket-level reference as text (`s3://bucket/team/`) or parsed. */
export type BucketLocationInput = string | BucketLocation;

/** A bucket image reference as text (`s3://bucket/app:v1`) or parsed. */
export type BucketImageInput = string | BucketImageReference;

/** The parsed bucket-level reference; INVALID_ARGUMENT for anything else. */
export function toLocation(input: BucketLocationInput): BucketLocation {
  if (typeof input === 'string') return BucketLocation.parse(input);
  if ((input as { kind?: unknown } | null)?.kind === 'bucket') return input;
  throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'expected a bucket-level reference (a string like s3://bucket/ or a parsed BucketLocation)');
}

/** The parsed bucket image reference; INVALID_ARGUMENT for anything else. */
export function toImageReference(input: BucketImageInput): BucketImageReference {
  if (typeof input === 'string') return BucketImageReference.parse(input);
  if ((input as { kind?: unknown } | null)?.kind === 'bucket-image') return input;
  throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'expected a bucket image reference (a string like s3://bucket/app:v1 or a parsed BucketImageReference)');
}

/** Runs `work` with a store for the target's bucket, closing the store afterwards whatever happens. */
export async function withStore<T>(target: { readonly scheme: string; readonly bucket: string }, options: BucketOperationOptions, work: (store: BucketStore) => Promise<T>): Promise<T> {
  const store = await openBucket(target, options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
