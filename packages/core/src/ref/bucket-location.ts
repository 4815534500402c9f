import type { BucketTarget } from '../plugins/plugin-registry.js';
import { BucketImageReference } from './bucket-image-reference.js';
import { checkBucket, formatBucketPath, readBucketReference } from './bucket-path.js';
import { checkReferenceText, imageNameProblem } from './grammar.js';
import { failFor, quote, type Fail } from './reference-error.js';

const SHAPE = '<scheme>://<bucket>[/<image-name prefix>/]';

/**
 * A bucket, optionally narrowed to images under a name prefix: what `list`,
 * `stats` and `gc` take. `s3://bucket`, `s3://bucket/`, `s3://bucket/team/`.
 *
 * The prefix names whole path components: `team/` (or `team`, the same
 * filter) selects the image `team` and every image under `team/`, never
 * `teams`. It is `''` when there is none, else it ends with `/`.
 *
 * @example
 * ```ts
 * import { ref } from '@s3lo/core';
 * const loc = ref.parseBucketLocation('local:///var/lib/s3lo//team/');
 * loc.bucket;                     // '/var/lib/s3lo'
 * loc.prefix;                     // 'team/'
 * loc.matchesImage('team/app');   // true
 * loc.matchesImage('teams/app');  // false
 * ```
 */
export class BucketLocation implements BucketTarget {
  readonly kind = 'bucket' as const;
  /** `s3`, `gs`, `az`, `local` or a plugin's scheme. */
  readonly scheme: string;
  /** The bucket, Azure container, or (for `local`) directory. */
  readonly bucket: string;
  /** The image-name filter: `''`, or whole components ending in `/` (`team/`). */
  readonly prefix: string;

  private constructor(scheme: string, bucket: string, prefix: string) {
    this.scheme = scheme;
    this.bucket = bucket;
    this.prefix = prefix;
    Object.freeze(this);
  }

  /**
   * Parses a bucket-level reference; see {@link parseBucketLocation}.
   *
   * @example
   * ```ts
   * BucketLocation.parse('s3://b/team').prefix; // 'team/'
   * ```
   */
  static parse(text: string): BucketLocation {
    const fail: Fail = failFor('bucket reference', text);
    const { scheme, bucket, remainder = '' } = readBucketReference(text, fail, SHAPE);
    return new BucketLocation(scheme, bucket, normalizePrefix(remainder, fail));
  }

  /**
   * A location from its parts, validated like {@link parse}.
   *
   * @example
   * ```ts
   * BucketLocation.from({ scheme: 's3', bucket: 'b', prefix: 'team' }).toString(); // 's3://b/team/'
   * ```
   */
  static from(parts: { readonly scheme: string; readonly bucket: string; readonly prefix?: string }): BucketLocation {
    const prefix = parts.prefix ?? '';
    const shown = `${parts.scheme}://${parts.bucket}/${prefix}`;
    const fail: Fail = failFor('bucket reference', shown);
    checkReferenceText(shown, fail);
    checkBucket(parts.scheme, parts.bucket, fail);
    return new BucketLocation(parts.scheme, parts.bucket, normalizePrefix(prefix, fail));
  }

  /**
   * True when the image `name` is inside this location's filter.
   *
   * @example
   * ```ts
   * const loc = ref.parseBucketLocation('s3://b/team/');
   * loc.matchesImage('team');     // true
   * loc.matchesImage('team/app'); // true
   * loc.matchesImage('teamwork'); // false
   * ```
   */
  matchesImage(name: string): boolean {
    return this.prefix === '' || name.startsWith(this.prefix) || name === this.prefix.slice(0, -1);
  }

  /**
   * The key prefix holding every tag this location selects: `manifests/`
   * plus the filter. The image `team` (`manifests/team/<tag>/...`) and those
   * under it (`manifests/team/app/<tag>/...`) share `manifests/team/`.
   *
   * @example
   * ```ts
   * ref.parseBucketLocation('s3://b/team/').manifestsPrefix(); // 'manifests/team/'
   * ```
   */
  manifestsPrefix(): string {
    return `manifests/${this.prefix}`;
  }

  /**
   * An image reference in this bucket (the filter plays no part). Without a
   * tag the reference gets the default tag `latest`, not explicit.
   *
   * @example
   * ```ts
   * ref.parseBucketLocation('local://./store').imageRef('team/app', 'v1').toString();
   * // 'local://./store/team/app:v1'
   * ```
   */
  imageRef(image: string, tag?: string): BucketImageReference {
    return BucketImageReference.from({ scheme: this.scheme, bucket: this.bucket, image, tag });
  }

  /**
   * The canonical spelling: the filter ends in `/`, and a `local` directory
   * the Go rule cannot express uses `//` (`local:///var/lib/s3lo//`).
   * `parseBucketLocation(loc.toString())` equals `loc`.
   *
   * @example
   * ```ts
   * ref.parseBucketLocation('s3://b/team').toString(); // 's3://b/team/'
   * ```
   */
  toString(): string {
    return formatBucketPath(this.scheme, this.bucket, this.prefix);
  }
}

/** The filter as written (`''`, `team`, `team/`) to `''` or `team/`. */
function normalizePrefix(written: string, fail: Fail): string {
  if (written === '') return '';
  const name = written.endsWith('/') ? written.slice(0, -1) : written;
  if (/[:@]/.test(name)) {
    fail(`${quote(written)} names a tag or digest; a bucket reference takes only an image-name prefix`, 'write <scheme>://<bucket>/ or <scheme>://<bucket>/<prefix>/');
  }
  // `s3://b//` would otherwise read as an empty filter, hiding the "//".
  const problem = name === '' ? `image-name filter ${quote(written)} has an empty component ("//")` : imageNameProblem(name, 'image-name filter');
  if (problem !== undefined) fail(problem);
  return `${name}/`;
}
