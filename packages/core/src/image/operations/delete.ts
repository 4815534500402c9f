import type { Digest } from '../../digest/digest.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import type { BucketImageReference } from '../../ref/bucket-image-reference.js';
import type { BucketStore } from '../bucket-store.js';
import type { BucketOperationOptions } from '../open-bucket.js';
import { findByDigest } from './inspect.js';
import { toImageReference, withStore, type BucketImageInput } from './targets.js';

/** Options of {@link deleteImage}. */
export interface DeleteImageOptions extends BucketOperationOptions {
  /**
   * Delete even when the bucket's `s3lo.yaml` marks the image immutable.
   * @default false
   */
  readonly force?: boolean;
}

/** What {@link deleteImage} removed. */
export interface DeleteImageResult {
  /** The reference deleted, as it prints. */
  readonly reference: string;
  /** The digest of the manifest the deleted tag(s) held. */
  readonly digest: Digest;
  /** The tags removed. */
  readonly tags: string[];
}

/**
 * Deletes a tag: its `manifest.json` and the other objects it owns
 * (leftover `config.json` beside it, its signature records), never the
 * prefix `manifests/<image>/<tag>/` as a whole: that prefix also holds the
 * tags of image `<image>/<tag>` (deleting `team:app` keeps `team/app:v1`).
 * Blobs stay; `gc` reclaims those no tag references any more.
 *
 * A digest reference (`app@sha256:...`) deletes every tag of `app` whose
 * manifest has that digest, each re-read right before its delete and kept
 * if it changed meanwhile (a store has no compare-and-delete, so a tag
 * re-pushed in the instant between that read and the delete can still go).
 * It is refused (INVALID_ARGUMENT) when the digest is only a child of an
 * index (delete the index's tag instead) and when some tag of `app` cannot
 * be read (it might hold the digest; nothing is deleted).
 *
 * A tag of an image the bucket's `s3lo.yaml` marks immutable is not deleted
 * (PRECONDITION_FAILED) unless `force` is set: the policy is the bucket's,
 * so every caller of the library meets it, not only the CLI.
 *
 * @throws S3loError NOT_FOUND for a missing tag or digest; INVALID_ARGUMENT
 *   as above; PRECONDITION_FAILED for an immutable image; INVALID_CONFIG
 *   when `s3lo.yaml` cannot be read (fail closed).
 *
 * @example
 * ```ts
 * import { image } from '@s3lo/core';
 * const { digest } = await image.deleteImage('s3://my-bucket/team/app:v1', { signal });
 * await image.deleteImage(`s3://my-bucket/team/app@${digest}`, { signal }); // every tag still on it
 * ```
 */
export async function deleteImage(ref: BucketImageInput, options: DeleteImageOptions = {}): Promise<DeleteImageResult> {
  const reference = toImageReference(ref);
  return withStore(reference, options, async (store) => {
    if (reference.digest === undefined) {
      const tag = reference.tag as string;
      const { digest } = await store.readTag(reference.image, tag, options);
      await store.deleteTag(reference.image, tag, options);
      return { reference: reference.toString(), digest, tags: [tag] };
    }
    return deleteByDigest(store, reference, options);
  });
}

async function deleteByDigest(store: BucketStore, reference: BucketImageReference, options: DeleteImageOptions): Promise<DeleteImageResult> {
  const { signal, force } = options;
  const found = await findByDigest(store, reference, signal);
  if (found.childOf !== undefined) {
    const tags = found.tags.map((tag) => `${reference.image}:${tag}`).join(', ');
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${reference.toString()} is a platform manifest inside the index of ${tags}; it cannot be deleted on its own`, {
      details: { digest: found.digest, tags: found.tags },
      hint: `delete the tag instead (${reference.image}:${found.tags[0] ?? '<tag>'})`,
    });
  }
  if (found.unreadableTags.length > 0) {
    throw new S3loError(
      ErrorCode.INVALID_ARGUMENT,
      `refusing to delete ${reference.toString()}: ${found.unreadableTags.length} tag(s) of ${reference.image} could not be read (${found.unreadableTags.slice(0, 3).join(', ')}) and might hold it too`,
      { details: { unreadableTags: found.unreadableTags }, hint: 'retry, or delete the tags by name' },
    );
  }
  const deleted: string[] = [];
  for (const tag of found.tags) {
    try {
      // Re-read: keep a tag re-pushed since the search.
      if ((await store.readTag(reference.image, tag, { signal })).digest !== found.digest) continue;
      await store.deleteTag(reference.image, tag, { signal, force });
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) continue;
      throw error;
    }
    deleted.push(tag);
  }
  if (deleted.length === 0) {
    throw new S3loError(ErrorCode.NOT_FOUND, `no tag of ${reference.image} in ${store.describe()} has digest ${found.digest} any more`, {
      details: { image: reference.image, digest: found.digest },
    });
  }
  return { reference: reference.toString(), digest: found.digest, tags: deleted };
}
