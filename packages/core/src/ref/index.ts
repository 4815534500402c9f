/**
 * References: what users type to name an image or a bucket, parsed into
 * immutable, validated values. A parsed reference never names a key or path
 * outside its bucket, and every rejection is an `S3loError` with code
 * `INVALID_REFERENCE` whose message quotes the input and says what is wrong.
 *
 * - {@link parse}: `s3://bucket/team/app:v1`, a bucket image reference.
 * - {@link parseBucketLocation}: `s3://bucket/team/`, for list, stats, gc.
 * - {@link parseRegistryReference}: `alpine`, `ghcr.io/o/app:v1`.
 * - {@link parseTransportReference}: `oci:<dir>`, `docker-archive:<file>`, ...
 * - {@link parseImageLocation}: any of the above, for copy/push/pull.
 *
 * @example
 * ```ts
 * import { ref } from '@s3lo/core';
 * const r = ref.parse('s3://my-bucket/app:v1');
 * // or: import { parse } from '@s3lo/core/ref';
 * ```
 * @module
 */
import { BucketImageReference } from './bucket-image-reference.js';
import { BucketLocation } from './bucket-location.js';
import { RegistryReference } from './registry-reference.js';

export { BucketImageReference, type BucketImageParts } from './bucket-image-reference.js';
export { BucketLocation } from './bucket-location.js';
export { parseBucketScope } from './bucket-scope.js';
export { RegistryReference, DOCKER_HUB, DOCKER_HUB_API_HOST } from './registry-reference.js';
export {
  LayoutReference,
  type OciLayoutReference,
  type OciArchiveReference,
  DockerArchiveReference,
  DockerDaemonReference,
  parseTransportReference,
  type TransportReference,
  type TransportName,
} from './transport-references.js';
export { parseImageLocation, type ImageLocation, type ParseImageLocationOptions } from './image-location.js';
export {
  DEFAULT_TAG,
  MAX_REFERENCE_LENGTH,
  MAX_IMAGE_NAME_LENGTH,
  TAG_PATTERN,
  isValidTag,
  isValidImageName,
} from './grammar.js';
export { BUILTIN_SCHEMES } from './scheme.js';

/**
 * Parses a bucket image reference, `<scheme>://<bucket>/<image>[:<tag> | @<digest>]`.
 *
 * - Scheme: lowercase, `[a-z][a-z0-9+.-]*`. `s3`, `gs`, `az` and `local`
 *   are served by first-party backends; other schemes are accepted here and
 *   need a plugin when used. `docker://`, `http(s)://`, `file://` and `oci://` (and the other
 *   transport names) are refused with what to write instead.
 * - Bucket: for every scheme but `local`, the text before the first `/`.
 * - `local` bucket directory: if the reference contains `//`, the directory
 *   is everything before the first `//` (`local:///var/lib/s3lo//team/app:v1`
 *   is directory `/var/lib/s3lo`, image `team/app`; `local://./a/b//app:v1`
 *   is `./a/b`). Without `//`, the Go tool's rule: an optional `./`, `../`
 *   or `/` plus exactly one path component (`local://./store/app:v1` is
 *   `./store`, `local:///store/app:v1` is `/store`, `local://store/app:v1`
 *   is `store`; so `local:///var/lib/s3lo/app:v1` is directory `/var`!).
 *   Bucket-level references split the same way.
 * - Image: `/`-separated components of `[A-Za-z0-9_.-]`, none starting with
 *   `.` or `-` (so no empty, `.` or `..` component), at most 255 characters.
 * - `@<digest>` (`<algo>:<hex>`, 32-128 hex; sha256 exactly 64) selects by
 *   digest; otherwise the tag is after the last `:`, Docker's grammar
 *   (1-128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`), and `latest`
 *   when absent (`tagExplicit` is then false). A tag and a digest together
 *   (`app:v1@sha256:...`) are refused.
 *
 * @example
 * ```ts
 * import { parse } from '@s3lo/core/ref';
 * const r = parse('local:///var/lib/s3lo//team/app:v1');
 * r.bucket;            // '/var/lib/s3lo'
 * r.image;             // 'team/app'
 * r.manifestsPrefix(); // 'manifests/team/app/v1/'
 * parse('s3://b/app:..'); // throws INVALID_REFERENCE: tag ".." is not allowed ...
 * ```
 */
export function parse(text: string): BucketImageReference {
  return BucketImageReference.parse(text);
}

/**
 * Parses a bucket-level reference, `<scheme>://<bucket>[/<prefix>[/]]`, for
 * `list`, `stats` and `gc`. The bucket is split exactly as in {@link parse}
 * (`local:///store/` is `/store`, `local:///var/lib/s3lo//` is
 * `/var/lib/s3lo`). The optional prefix is an image-name filter of whole
 * components: `team` and `team/` both select `team` and `team/...`.
 *
 * @example
 * ```ts
 * import { parseBucketLocation } from '@s3lo/core/ref';
 * parseBucketLocation('s3://bucket/team/').prefix;          // 'team/'
 * parseBucketLocation('local:///var/lib/s3lo//').bucket;    // '/var/lib/s3lo'
 * ```
 */
export function parseBucketLocation(text: string): BucketLocation {
  return BucketLocation.parse(text);
}

/**
 * Parses a registry reference by Docker's rules, with an optional
 * `docker://` prefix. The first component is a registry host only if the
 * name has a `/` and that component contains `.` or `:` or is `localhost`;
 * otherwise the registry is Docker Hub (`docker.io`, API host
 * `registry-1.docker.io`), and a one-component name gets `library/`.
 * `index.docker.io` is `docker.io`. Repository components are lowercase.
 *
 * @example
 * ```ts
 * import { parseRegistryReference } from '@s3lo/core/ref';
 * parseRegistryReference('alpine').toString();                 // 'docker.io/library/alpine:latest'
 * parseRegistryReference('localhost:5000/app:dev').registry;   // 'localhost:5000'
 * ```
 */
export function parseRegistryReference(text: string): RegistryReference {
  return RegistryReference.parse(text);
}
