import type { Digest } from '../digest/digest.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { BucketTarget } from '../plugins/plugin-registry.js';
import { checkBucket, formatBucketPath, readBucketReference } from './bucket-path.js';
import { DEFAULT_TAG, checkReferenceText, imageNameProblem, referenceDigestProblem, tagProblem } from './grammar.js';
import { failFor, quote, type Fail } from './reference-error.js';

const SHAPE = '<scheme>://<bucket>/<image>[:<tag> | @<digest>]';

/**
 * The parts of a {@link BucketImageReference}, for {@link BucketImageReference.from}.
 *
 * @example
 * ```ts
 * const parts: BucketImageParts = { scheme: 's3', bucket: 'b', image: 'team/app', tag: 'v1' };
 * BucketImageReference.from(parts).toString(); // 's3://b/team/app:v1'
 * ```
 */
export interface BucketImageParts {
  readonly scheme: string;
  readonly bucket: string;
  readonly image: string;
  /** Leave both `tag` and `digest` out for the default tag `latest`. */
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

/**
 * An image in a bucket: `<scheme>://<bucket>/<image>[:<tag> | @<digest>]`.
 * Immutable and valid by construction (only {@link parse} and the factories
 * make one), so its parts can go into keys and paths without further checks.
 *
 * Exactly one of {@link tag} and {@link digest} is defined.
 *
 * @example
 * ```ts
 * import { ref } from '@s3lo/core';
 * const r = ref.parse('s3://my-bucket/team/app:v1');
 * r.bucket;            // 'my-bucket'
 * r.image;             // 'team/app'
 * r.tag;               // 'v1'
 * r.manifestsPrefix(); // 'manifests/team/app/v1/'
 * ```
 */
export class BucketImageReference implements BucketTarget {
  readonly kind = 'bucket-image' as const;
  /** `s3`, `gs`, `az`, `local` or a plugin's scheme. */
  readonly scheme: string;
  /** The bucket, Azure container, or (for `local`) directory. */
  readonly bucket: string;
  /** The image name, `/`-separated (`team/app`). */
  readonly image: string;
  /** The tag; `latest` when the reference named neither tag nor digest; undefined for a digest reference. */
  readonly tag: string | undefined;
  /** The digest of a `name@digest` reference, else undefined. */
  readonly digest: Digest | undefined;
  /**
   * False when the tag is the default `latest` (nothing was written). The CLI
   * refuses to write or delete through a defaulted tag.
   */
  readonly tagExplicit: boolean;

  private constructor(parts: { scheme: string; bucket: string; image: string; tag: string | undefined; digest: Digest | undefined }) {
    this.scheme = parts.scheme;
    this.bucket = parts.bucket;
    this.image = parts.image;
    this.tagExplicit = parts.tag !== undefined;
    this.digest = parts.digest;
    this.tag = parts.digest === undefined ? (parts.tag ?? DEFAULT_TAG) : undefined;
    Object.freeze(this);
  }

  /**
   * Parses a bucket image reference; see {@link parse} for the rules.
   *
   * @example
   * ```ts
   * BucketImageReference.parse('gs://b/app@sha256:9f86d0...').digest; // 'sha256:9f86d0...'
   * ```
   */
  static parse(text: string): BucketImageReference {
    const fail: Fail = failFor('reference', text);
    const { scheme, bucket, remainder } = readBucketReference(text, fail, SHAPE);
    if (remainder === undefined || remainder === '') {
      fail(`no image follows the ${scheme === 'local' ? 'bucket directory' : 'bucket'} ${quote(bucket)}`, `write ${formatBucketPath(scheme, bucket, '<image>:<tag>')}`);
    }
    return BucketImageReference.#validated({ scheme, bucket, ...splitImagePart(remainder) }, fail);
  }

  /**
   * A reference from its parts, with the same validation as {@link parse}:
   * what the image store does with names it lists from a bucket.
   *
   * @example
   * ```ts
   * BucketImageReference.from({ scheme: 'local', bucket: '/var/lib/s3lo', image: 'app', tag: 'v1' })
   *   .toString(); // 'local:///var/lib/s3lo//app:v1'
   * ```
   */
  static from(parts: BucketImageParts): BucketImageReference {
    const shown = `${parts.scheme}://${parts.bucket}/${parts.image}${parts.tag === undefined ? '' : `:${parts.tag}`}${parts.digest === undefined ? '' : `@${parts.digest}`}`;
    const fail: Fail = failFor('reference', shown);
    checkReferenceText(shown, fail);
    checkBucket(parts.scheme, parts.bucket, fail);
    return BucketImageReference.#validated(parts, fail);
  }

  static #validated(parts: BucketImageParts, fail: Fail): BucketImageReference {
    const { tag, digest } = parts;
    const problem = imageNameProblem(parts.image) ?? (tag === undefined ? undefined : tagProblem(tag)) ?? (digest === undefined ? undefined : referenceDigestProblem(digest));
    if (problem !== undefined) fail(problem);
    if (tag !== undefined && digest !== undefined) {
      // Docker accepts name:tag@digest and ignores the tag; in a bucket the
      // pair would need a rule for when they disagree, so we refuse it.
      fail(`it names both tag "${tag}" and a digest; a bucket reference has a tag or a digest, not both`, 'drop the ":<tag>" to use the digest, or the "@<digest>" to use the tag');
    }
    return new BucketImageReference({ scheme: parts.scheme, bucket: parts.bucket, image: parts.image, tag, digest: digest as Digest | undefined });
  }

  /**
   * The same image with another tag (explicit; any digest is dropped).
   *
   * @example
   * ```ts
   * ref.parse('s3://b/app@sha256:...').withTag('v2').toString(); // 's3://b/app:v2'
   * ```
   */
  withTag(tag: string): BucketImageReference {
    return BucketImageReference.from({ scheme: this.scheme, bucket: this.bucket, image: this.image, tag });
  }

  /**
   * The same image pinned to a digest (any tag is dropped).
   *
   * @example
   * ```ts
   * ref.parse('s3://b/app:v1').withDigest(manifestDigest).toString(); // 's3://b/app@sha256:...'
   * ```
   */
  withDigest(digest: string): BucketImageReference {
    return BucketImageReference.from({ scheme: this.scheme, bucket: this.bucket, image: this.image, digest });
  }

  /**
   * The key prefix of this tag: `manifests/<image>/<tag>/` (the tag object is
   * `manifest.json` under it). A digest reference has none: a digest is found
   * by reading the image's tags, never by mapping it to a key (the Go tool's
   * `manifests/<image>/sha256:.../` is a prefix no writer creates, Go lesson 8).
   *
   * @example
   * ```ts
   * ref.parse('s3://b/team/app:v1').manifestsPrefix(); // 'manifests/team/app/v1/'
   * ```
   */
  manifestsPrefix(): string {
    if (this.tag === undefined) {
      throw new S3loError(
        ErrorCode.INVALID_ARGUMENT,
        `${this.toString()} names a digest, which has no manifests prefix: resolve it by reading the manifests under manifests/${this.image}/`,
        { details: { reference: this.toString() } },
      );
    }
    return `manifests/${this.image}/${this.tag}/`;
  }

  /**
   * The reference as written: `:latest` appears only if it was written (or
   * set by {@link withTag}), so `parse(r.toString())` equals `r`. A `local`
   * directory the Go rule cannot express is printed in the `//` form.
   *
   * @example
   * ```ts
   * ref.parse('s3://b/app').toString();    // 's3://b/app'
   * ref.parse('s3://b/app:v1').toString(); // 's3://b/app:v1'
   * ```
   */
  toString(): string {
    const suffix = this.digest !== undefined ? `@${this.digest}` : this.tagExplicit ? `:${this.tag}` : '';
    return formatBucketPath(this.scheme, this.bucket, `${this.image}${suffix}`);
  }
}

/** `<image>[:<tag> | @<digest>]` into its parts, before validation. */
function splitImagePart(text: string): { image: string; tag: string | undefined; digest: string | undefined } {
  const at = text.indexOf('@');
  if (at >= 0) {
    const image = text.slice(0, at);
    const digest = text.slice(at + 1);
    const colon = image.lastIndexOf(':');
    if (colon < 0) return { image, tag: undefined, digest };
    return { image: image.slice(0, colon), tag: image.slice(colon + 1), digest };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { image: text, tag: undefined, digest: undefined };
  return { image: text.slice(0, colon), tag: text.slice(colon + 1), digest: undefined };
}
