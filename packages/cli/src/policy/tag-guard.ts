import { ErrorCode, S3loError, image as images, type PluginRegistry, type ref } from '@s3lo/core';
import type { BackendOptions } from '@s3lo/core/storage';
import { BUCKET_CONFIG_KEY, isImmutable, readBucketConfig } from './bucket-config.js';

interface GuardOptions {
  readonly registry: PluginRegistry;
  readonly backendOptions: BackendOptions;
  readonly signal: AbortSignal;
}

/**
 * Immutable tags, as the Go s3lo defines them: when the bucket's
 * `s3lo.yaml` marks an image `immutable: true`, its existing tags are not
 * overwritten and not deleted unless `--force` is given. Honouring it keeps
 * a bucket shared with the Go tool safe from this one.
 *
 * Better than the Go tool: pushing the very same image again (same digest)
 * is not refused, since nothing changes. Same limit as the Go tool: the
 * check runs before the copy, so two writers racing for a new tag can both
 * pass it (the library has no create-only tag write yet).
 *
 * @returns a check for the copy's `onStart` (which knows the digest before
 *   any blob moves): it throws ALREADY_EXISTS when the tag exists, is
 *   immutable, and would change.
 */
export async function guardTagOverwrite(destination: ref.BucketImageReference, options: GuardOptions): Promise<(digest: string) => void> {
  const config = await readBucketConfig(destination, options);
  if (!isImmutable(config, destination.image)) return () => {};
  const existing = await existingDigest(destination, options);
  if (existing === undefined) return () => {};
  return (digest: string) => {
    if (digest === existing) return;
    throw new S3loError(
      ErrorCode.ALREADY_EXISTS,
      `${destination.toString()} already exists (${existing}) and ${BUCKET_CONFIG_KEY} marks ${destination.image} immutable`,
      { details: { reference: destination.toString(), existing, digest }, hint: 'push to a new tag, or pass --force to overwrite it' },
    );
  };
}

/** Refuses to delete a tag of an image the bucket marks immutable (the Go s3lo's rule). */
export async function guardTagDelete(target: ref.BucketImageReference, options: GuardOptions): Promise<void> {
  const config = await readBucketConfig(target, options);
  if (!isImmutable(config, target.image)) return;
  throw new S3loError(ErrorCode.PRECONDITION_FAILED, `${BUCKET_CONFIG_KEY} marks ${target.image} immutable: its tags are not deleted`, {
    details: { reference: target.toString() },
    hint: 'pass --force to delete it anyway',
  });
}

async function existingDigest(destination: ref.BucketImageReference, options: GuardOptions): Promise<string | undefined> {
  const store = await images.openBucket(destination, options);
  try {
    return (await store.readTag(destination.image, destination.tag as string, { signal: options.signal })).digest;
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
    throw error;
  } finally {
    await store.close();
  }
}
