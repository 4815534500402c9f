import type { ObjectInfo, StorageBackend } from '../../storage/backend.js';
import { listAll } from '../../storage/list-all.js';
import { BucketLayout, parseTagKey } from '../bucket-layout.js';
import type { BucketLocation } from '../../ref/bucket-location.js';

/** A tag object found by listing `manifests/`. */
export interface TagObject {
  readonly key: string;
  readonly image: string;
  readonly tag: string;
  readonly size: number;
  readonly lastModified: Date;
}

const TAG_SUFFIX = `/${BucketLayout.tagObjectName}`;

/*
 * Why these listings are safe although the key space is ambiguous by prefix
 * (`manifests/team/app/` is the prefix of tag `team:app` and of every tag
 * of image `team/app`): they only read, and every key they return is
 * attributed by parseTagKey, which takes the tag from the component right
 * before `/manifest.json` and the image from everything before it. A tag
 * key names exactly one image and tag, so reaching deeper images' keys
 * through a shorter prefix never mixes their tags into another image's.
 * Deleting works per object (BucketStore.deleteTag), never per prefix.
 */

/**
 * Every key under `manifests/` ending in `/manifest.json`: GC's roots. Wider
 * than {@link listTagObjects} on purpose (a key whose image or tag part is
 * odd is still a root), so GC never frees what some tag might reference.
 */
export async function listRootObjects(backend: StorageBackend, signal: AbortSignal | undefined): Promise<ObjectInfo[]> {
  const roots: ObjectInfo[] = [];
  for await (const object of listAll(backend, { prefix: BucketLayout.manifestsPrefix, signal })) {
    if (object.key.endsWith(TAG_SUFFIX)) roots.push(object);
  }
  return roots;
}

/**
 * The tags a bucket-level reference selects, in key order: only the
 * `manifests/` keys ending in `/manifest.json` (leftover `config.json`,
 * `index.json` and signatures are not tags), filtered by image name. The
 * listing is narrowed to the filter's key prefix; nothing else is scanned
 * (no search for ancient layouts, Go lesson 12).
 */
export async function listTagObjects(backend: StorageBackend, location: BucketLocation, signal: AbortSignal | undefined): Promise<TagObject[]> {
  const tags: TagObject[] = [];
  for await (const object of listAll(backend, { prefix: location.manifestsPrefix(), signal })) {
    const parsed = parseTagKey(object.key);
    if (parsed === undefined || !location.matchesImage(parsed.image)) continue;
    tags.push({ key: object.key, ...parsed, size: object.size, lastModified: object.lastModified });
  }
  return tags;
}

/**
 * The tags of exactly `image` (not of `image/sub`), in key order. The
 * listing of `manifests/<image>/` also returns the tags of deeper images
 * (`<image>/sub:v1` at `manifests/<image>/sub/v1/manifest.json`); they are
 * dropped by their parsed image name, not by their position in the key.
 */
export async function listTagsOfImage(backend: StorageBackend, image: string, signal: AbortSignal | undefined): Promise<TagObject[]> {
  const tags: TagObject[] = [];
  for await (const object of listAll(backend, { prefix: `${BucketLayout.manifestsPrefix}${image}/`, signal })) {
    const parsed = parseTagKey(object.key);
    if (parsed?.image !== image) continue;
    tags.push({ key: object.key, ...parsed, size: object.size, lastModified: object.lastModified });
  }
  return tags;
}
