import type { BucketOperationOptions } from '../open-bucket.js';
import { compareUtf8 } from './compare.js';
import { listTagObjects } from './tag-objects.js';
import { toLocation, withStore, type BucketLocationInput } from './targets.js';

/** One image of {@link list}: its name and tags. */
export interface ListedImage {
  /** The image name, `/`-separated (`team/app`). */
  readonly name: string;
  /** Its tags, in UTF-8 byte order. */
  readonly tags: string[];
}

/**
 * The images in a bucket and their tags, sorted by name then tag (UTF-8 byte
 * order, as object stores list keys). A filter in the reference scopes the
 * result: `s3://b/team/` lists `team` and `team/...`, never `teams`.
 *
 * Only keys are listed (no object is read): a tag is a key
 * `manifests/<image>/<tag>/manifest.json`. Leftovers of older layouts beside
 * tags (`config.json`, `index.json`) are not tags, and no other part of the
 * bucket is scanned. An empty bucket gives `[]`.
 *
 * @example
 * ```ts
 * import { image } from '@s3lo/core';
 * for (const { name, tags } of await image.list('s3://my-bucket/team/', { signal })) {
 *   console.log(name, tags.join(', '));
 * }
 * // team/api  v1, v2
 * // team/web  latest
 * ```
 */
export async function list(bucketRef: BucketLocationInput, options: BucketOperationOptions = {}): Promise<ListedImage[]> {
  const location = toLocation(bucketRef);
  return withStore(location, options, async (store) => {
    const byName = new Map<string, string[]>();
    for (const { image, tag } of await listTagObjects(store.backend, location, options.signal)) {
      const tags = byName.get(image);
      if (tags === undefined) byName.set(image, [tag]);
      else tags.push(tag);
    }
    return [...byName.keys()].sort(compareUtf8).map((name) => ({ name, tags: (byName.get(name) ?? []).sort(compareUtf8) }));
  });
}
