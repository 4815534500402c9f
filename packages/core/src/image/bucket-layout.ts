import { parseDigest, type Digest } from '../digest/digest.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { assertValidKey } from '../storage/key.js';

/**
 * The keys of the bucket format (compatible with the Go s3lo). Every key s3lo
 * reads or writes is built here and nowhere else.
 *
 * ```
 * blobs/sha256/<hex>                     configs, layers, child manifests
 * manifests/<image>/<tag>/manifest.json  the tag: one object, the manifest or index bytes
 * ```
 */
export const BucketLayout = {
  blobsPrefix: 'blobs/sha256/',
  manifestsPrefix: 'manifests/',
  tagObjectName: 'manifest.json',
} as const;

/**
 * The key of a content-addressed blob. The digest is validated first, so a
 * digest read from an untrusted manifest can never become an arbitrary key.
 *
 * @example
 * ```ts
 * blobKey('sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
 * // 'blobs/sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
 * ```
 */
export function blobKey(digest: string): string {
  return BucketLayout.blobsPrefix + parseDigest(digest).slice('sha256:'.length);
}

/** The digest a blob key names, or undefined for keys that are not blob keys. */
export function digestOfBlobKey(key: string): Digest | undefined {
  if (!key.startsWith(BucketLayout.blobsPrefix)) return undefined;
  const candidate = `sha256:${key.slice(BucketLayout.blobsPrefix.length)}`;
  try {
    return parseDigest(candidate);
  } catch {
    return undefined;
  }
}

/**
 * The key prefix of one tag's own objects: `manifests/<image>/<tag>/`.
 * Image and tag are checked again here (references already validate them) so
 * that no caller can build a key outside its tag, whatever it passes.
 *
 * This prefix is NOT the tag's alone: `<image>` may contain `/`, so
 * `manifests/team/app/` is the prefix of tag `app` of image `team` and also
 * of every tag of image `team/app` (and `team/app/x`, ...). Never list,
 * copy or delete it recursively; {@link tagOwnsKey} says which keys under it
 * belong to the tag.
 */
export function tagPrefix(image: string, tag: string): string {
  if (tag === '' || tag.includes('/')) {
    throw new S3loError(ErrorCode.INVALID_REFERENCE, `tag ${JSON.stringify(tag)} cannot be stored: a tag is one non-empty path component`);
  }
  const prefix = `${BucketLayout.manifestsPrefix}${image}/${tag}/`;
  try {
    assertValidKey(prefix.slice(0, -1));
  } catch (error) {
    throw new S3loError(ErrorCode.INVALID_REFERENCE, `image ${JSON.stringify(image)} with tag ${JSON.stringify(tag)} cannot be stored`, {
      cause: error,
    });
  }
  return prefix;
}

/**
 * Whether the key `tagPrefix(image, tag) + relative` belongs to that tag,
 * by the bucket format's rule that a tag owns exactly its `manifest.json`
 * and its own records:
 *
 * - An object directly under the prefix (`relative` without `/`:
 *   `manifest.json`, leftovers of older layouts such as `config.json`) is
 *   the tag's: a tag of any other image `<image>/<tag>/...` is one level
 *   deeper (`.../<tag>/<other tag>/manifest.json`), so it never has a key
 *   directly under this prefix.
 * - `signatures/<keyid>.json` is a signature record of the tag, unless it is
 *   `signatures/manifest.json`: that key is tag `signatures` of image
 *   `<image>/<tag>`. Records are the tag's only while no such tag exists
 *   (the caller checks; see {@link signaturesTagKey}), since that tag's own
 *   objects live under the same `signatures/` prefix.
 * - Anything deeper belongs to other images.
 */
export function tagOwnsKey(relative: string, signaturesTagExists: boolean): boolean {
  if (relative === '') return false;
  if (!relative.includes('/')) return true;
  const record = /^signatures\/([^/]+)\.json$/.exec(relative);
  return record !== null && record[1] !== 'manifest' && !signaturesTagExists;
}

/**
 * The key of the tag that would share a tag's `signatures/` prefix: tag
 * `signatures` of image `<image>/<tag>`. While it exists, the records under
 * `signatures/` cannot be told apart from that tag's objects, and deleting
 * the tag `<image>:<tag>` leaves them.
 */
export function signaturesTagKey(image: string, tag: string): string {
  return `${tagPrefix(image, tag)}signatures/${BucketLayout.tagObjectName}`;
}

/** The key of the tag object: `manifests/<image>/<tag>/manifest.json`. */
export function tagKey(image: string, tag: string): string {
  return tagPrefix(image, tag) + BucketLayout.tagObjectName;
}

/**
 * The image and tag a tag key names, or undefined when `key` is not a tag
 * key (GC treats exactly the keys this accepts as roots).
 */
export function parseTagKey(key: string): { image: string; tag: string } | undefined {
  const suffix = `/${BucketLayout.tagObjectName}`;
  if (!key.startsWith(BucketLayout.manifestsPrefix) || !key.endsWith(suffix)) return undefined;
  const path = key.slice(BucketLayout.manifestsPrefix.length, -suffix.length);
  const slash = path.lastIndexOf('/');
  if (slash <= 0 || slash === path.length - 1) return undefined;
  return { image: path.slice(0, slash), tag: path.slice(slash + 1) };
}
