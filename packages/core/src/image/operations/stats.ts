import { parseManifestDocument } from '../../oci/parse-manifest.js';
import { listAll } from '../../storage/list-all.js';
import { BucketLayout, digestOfBlobKey } from '../bucket-layout.js';
import type { BucketOperationOptions } from '../open-bucket.js';
import { mapConcurrent } from '../../storage/map-concurrent.js';
import { inContext, ManifestGraph, readManifestObject } from './manifest-graph.js';
import { listTagObjects } from './tag-objects.js';
import { toLocation, withStore, type BucketLocationInput } from './targets.js';

const READ_CONCURRENCY = 16;

/** What {@link stats} reports. */
export interface BucketStats {
  /** Distinct image names in scope. */
  readonly images: number;
  /** Tag objects in scope. */
  readonly tags: number;
  /** Blob objects under `blobs/sha256/`, whole bucket (the filter does not apply: blobs are shared). */
  readonly uniqueBlobs: number;
  /**
   * Sum over the tags in scope of config size plus layer sizes, from the
   * descriptors; for an index, the sum over its child manifests. A blob
   * shared by several tags (or platforms) counts once for each.
   */
  readonly logicalBytes: number;
  /** Sum of the sizes of the blob objects under `blobs/sha256/`, whole bucket (child manifests and unreferenced blobs included). */
  readonly actualBytes: number;
  /** What deduplication saves: `max(0, logicalBytes - actualBytes)`. */
  readonly savedBytes: number;
}

/**
 * Counts what a bucket holds and what deduplication saves, by the bucket
 * format's definitions. Every tag in scope is read (and for an index every
 * child manifest, verified); `uniqueBlobs` and `actualBytes` always cover the
 * whole bucket, since blobs belong to no single image. With a filter
 * (`s3://b/team/`) `savedBytes` therefore compares the filtered logical size
 * with the whole bucket's stored size.
 *
 * @throws S3loError when a tag or child manifest in scope cannot be read or
 *   parsed (its code kept, the key in `details.key`).
 *
 * @example
 * ```ts
 * import { image } from '@s3lo/core';
 * const s = await image.stats('s3://my-bucket', { signal });
 * console.log(`${s.tags} tags of ${s.images} images; ${s.logicalBytes} B logical, ${s.actualBytes} B stored, ${s.savedBytes} B saved`);
 * ```
 */
export async function stats(bucketRef: BucketLocationInput, options: BucketOperationOptions = {}): Promise<BucketStats> {
  const location = toLocation(bucketRef);
  const { signal } = options;
  return withStore(location, options, async (store) => {
    const tags = await listTagObjects(store.backend, location, signal);
    const graph = new ManifestGraph(store, signal);
    const sizes = await mapConcurrent(tags, READ_CONCURRENCY, signal, async (tag) => {
      try {
        return await graph.logicalSize(parseManifestDocument(await readManifestObject(store, tag.key, signal)));
      } catch (error) {
        throw inContext(error, `stats: tag ${tag.image}:${tag.tag} cannot be read`, { key: tag.key });
      }
    });
    let uniqueBlobs = 0;
    let actualBytes = 0;
    for await (const object of listAll(store.backend, { prefix: BucketLayout.blobsPrefix, signal })) {
      if (digestOfBlobKey(object.key) === undefined) continue;
      uniqueBlobs += 1;
      actualBytes += object.size;
    }
    const logicalBytes = sizes.reduce((sum, size) => sum + size, 0);
    return {
      images: new Set(tags.map((tag) => tag.image)).size,
      tags: tags.length,
      uniqueBlobs,
      logicalBytes,
      actualBytes,
      savedBytes: Math.max(0, logicalBytes - actualBytes),
    };
  });
}
