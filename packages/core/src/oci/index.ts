/**
 * OCI and Docker image documents: media types, types, parsers for untrusted
 * manifest, index and config bytes, and platform selection. Parsers return
 * views for reading; the bytes stay the source of truth (an image's digest is
 * the sha256 of its bytes, never of a re-serialised value).
 *
 * @example
 * ```ts
 * import { oci } from '@s3lo/core';
 * const doc = oci.parseManifestDocument(bytes);
 * const children = doc.kind === 'index' ? oci.selectPlatformManifests(doc.index, undefined) : [];
 * ```
 * @module
 */
export {
  MediaType,
  type ManifestMediaType,
  type IndexMediaType,
  type LayerCompression,
  isIndexMediaType,
  isManifestMediaType,
  isLayerMediaType,
  layerCompression,
  isCompressedLayer,
} from './media-types.js';
export type {
  Annotations,
  Platform,
  Descriptor,
  ImageManifest,
  ImageIndex,
  DockerManifest,
  DockerManifestList,
  ManifestDocument,
  ContainerConfig,
  RootFs,
  HistoryEntry,
  ImageConfig,
} from './types.js';
export type { ParseOptions } from './json-document.js';
export { MAX_MANIFEST_BYTES, parseManifestDocument, parseImageManifest, parseImageIndex } from './parse-manifest.js';
export { MAX_CONFIG_BYTES, parseImageConfig } from './parse-config.js';
export { parsePlatform, formatPlatform, hostPlatform, platformMatches } from './platform.js';
export { isAttestation, listPlatforms, selectPlatformManifests, type PlatformEntry } from './platform-select.js';
