/**
 * The media types s3lo reads and writes. Registries and clients match them as
 * exact strings, so they are spelled out once here and never built by
 * concatenation elsewhere.
 *
 * @example
 * ```ts
 * import { oci } from '@s3lo/core';
 * const manifest = { schemaVersion: 2, mediaType: oci.MediaType.OCI_MANIFEST };
 * ```
 */
export const MediaType = {
  /** OCI image manifest: one image, for one platform. */
  OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
  /** OCI image index: a list of manifests, usually one per platform. */
  OCI_INDEX: 'application/vnd.oci.image.index.v1+json',
  /** OCI image configuration (architecture, os, rootfs diff_ids, run config). */
  OCI_CONFIG: 'application/vnd.oci.image.config.v1+json',
  /** OCI layer, uncompressed tar. What s3lo stores for `docker save` layers. */
  OCI_LAYER: 'application/vnd.oci.image.layer.v1.tar',
  /** OCI layer, gzip-compressed tar. */
  OCI_LAYER_GZIP: 'application/vnd.oci.image.layer.v1.tar+gzip',
  /** OCI layer, zstd-compressed tar. Chunked layers are stored under this type. */
  OCI_LAYER_ZSTD: 'application/vnd.oci.image.layer.v1.tar+zstd',
  /** OCI non-distributable layer, uncompressed (deprecated in image-spec 1.1; still read). */
  OCI_LAYER_NONDISTRIBUTABLE: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  /** OCI non-distributable layer, gzip (deprecated in image-spec 1.1; still read). */
  OCI_LAYER_NONDISTRIBUTABLE_GZIP: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  /** OCI non-distributable layer, zstd (deprecated in image-spec 1.1; still read). */
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  /** The `{}` blob artifacts use as a placeholder config or layer. */
  OCI_EMPTY: 'application/vnd.oci.empty.v1+json',
  /** Docker image manifest, schema 2. */
  DOCKER_MANIFEST: 'application/vnd.docker.distribution.manifest.v2+json',
  /** Docker manifest list, schema 2: Docker's image index. */
  DOCKER_MANIFEST_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
  /** Docker container image configuration. */
  DOCKER_CONFIG: 'application/vnd.docker.container.image.v1+json',
  /** Docker layer, gzip-compressed tar: the usual Docker layer. */
  DOCKER_LAYER_GZIP: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** Docker layer, uncompressed tar (written by BuildKit and containerd when asked for no compression). */
  DOCKER_LAYER: 'application/vnd.docker.image.rootfs.diff.tar',
  /** Docker layer, zstd-compressed tar (BuildKit, containerd). */
  DOCKER_LAYER_ZSTD: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  /** Docker foreign layer, gzip: fetched from its `urls` (Windows base layers). */
  DOCKER_FOREIGN_LAYER_GZIP: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** Docker foreign layer, uncompressed. */
  DOCKER_FOREIGN_LAYER: 'application/vnd.docker.image.rootfs.foreign.diff.tar',
} as const;

/**
 * One of the {@link MediaType} values.
 *
 * @example
 * ```ts
 * const type: MediaType = MediaType.OCI_LAYER_GZIP;
 * ```
 */
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/**
 * The media types of a single-image manifest.
 *
 * @example
 * ```ts
 * const type: ManifestMediaType = doc.kind === 'manifest' ? doc.mediaType : MediaType.OCI_MANIFEST;
 * ```
 */
export type ManifestMediaType = typeof MediaType.OCI_MANIFEST | typeof MediaType.DOCKER_MANIFEST;

/**
 * The media types of an index (multi-platform image).
 *
 * @example
 * ```ts
 * const type: IndexMediaType = MediaType.DOCKER_MANIFEST_LIST;
 * ```
 */
export type IndexMediaType = typeof MediaType.OCI_INDEX | typeof MediaType.DOCKER_MANIFEST_LIST;

/**
 * How a layer's tar is compressed, as its media type says.
 *
 * @example
 * ```ts
 * const compression: LayerCompression | undefined = layerCompression(layer.mediaType);
 * ```
 */
export type LayerCompression = 'none' | 'gzip' | 'zstd';

// Keyed by media type so lookups are exact and an unknown type is simply absent.
const layerCompressions: ReadonlyMap<string, LayerCompression> = new Map<string, LayerCompression>([
  [MediaType.OCI_LAYER, 'none'],
  [MediaType.OCI_LAYER_GZIP, 'gzip'],
  [MediaType.OCI_LAYER_ZSTD, 'zstd'],
  [MediaType.OCI_LAYER_NONDISTRIBUTABLE, 'none'],
  [MediaType.OCI_LAYER_NONDISTRIBUTABLE_GZIP, 'gzip'],
  [MediaType.OCI_LAYER_NONDISTRIBUTABLE_ZSTD, 'zstd'],
  [MediaType.DOCKER_LAYER, 'none'],
  [MediaType.DOCKER_LAYER_GZIP, 'gzip'],
  [MediaType.DOCKER_LAYER_ZSTD, 'zstd'],
  [MediaType.DOCKER_FOREIGN_LAYER, 'none'],
  [MediaType.DOCKER_FOREIGN_LAYER_GZIP, 'gzip'],
]);

/**
 * True for the OCI image index and the Docker manifest list.
 *
 * @example
 * ```ts
 * isIndexMediaType('application/vnd.docker.distribution.manifest.list.v2+json'); // true
 * isIndexMediaType('application/vnd.oci.image.manifest.v1+json');              // false
 * ```
 */
export function isIndexMediaType(mediaType: unknown): mediaType is IndexMediaType {
  return mediaType === MediaType.OCI_INDEX || mediaType === MediaType.DOCKER_MANIFEST_LIST;
}

/**
 * True for single-image manifests: OCI image manifest and Docker v2 schema 2.
 * Docker schema 1 is not included: s3lo does not read it.
 *
 * @example
 * ```ts
 * isManifestMediaType('application/vnd.docker.distribution.manifest.v2+json'); // true
 * isManifestMediaType('application/vnd.oci.image.index.v1+json');             // false
 * ```
 */
export function isManifestMediaType(mediaType: unknown): mediaType is ManifestMediaType {
  return mediaType === MediaType.OCI_MANIFEST || mediaType === MediaType.DOCKER_MANIFEST;
}

/**
 * True for the image layer media types s3lo knows (OCI and Docker, compressed
 * or not, non-distributable and foreign included). Artifact layers with their
 * own media types are not image layers and return false.
 *
 * @example
 * ```ts
 * isLayerMediaType('application/vnd.oci.image.layer.v1.tar+gzip'); // true
 * isLayerMediaType('application/vnd.oci.image.config.v1+json');     // false
 * ```
 */
export function isLayerMediaType(mediaType: unknown): boolean {
  return typeof mediaType === 'string' && layerCompressions.has(mediaType);
}

/**
 * How a layer of this media type is compressed, or `undefined` when it is not
 * a known layer media type. Decided from the media type alone: the bytes are
 * never sniffed, because the digest is of the bytes as stored.
 *
 * @example
 * ```ts
 * layerCompression('application/vnd.docker.image.rootfs.diff.tar.gzip'); // 'gzip'
 * layerCompression('application/vnd.oci.image.layer.v1.tar');            // 'none'
 * layerCompression('text/plain');                                         // undefined
 * ```
 */
export function layerCompression(mediaType: unknown): LayerCompression | undefined {
  return typeof mediaType === 'string' ? layerCompressions.get(mediaType) : undefined;
}

/**
 * True when the media type names a gzip- or zstd-compressed layer.
 *
 * @example
 * ```ts
 * isCompressedLayer('application/vnd.oci.image.layer.v1.tar+zstd'); // true
 * isCompressedLayer('application/vnd.oci.image.layer.v1.tar');      // false
 * ```
 */
export function isCompressedLayer(mediaType: unknown): boolean {
  const compression = layerCompression(mediaType);
  return compression === 'gzip' || compression === 'zstd';
}
