import { isIndexMediaType, isManifestMediaType, MediaType, type IndexMediaType, type ManifestMediaType } from './media-types.js';
import { readDescriptor, readDescriptors, readOptionalDescriptor } from './descriptor-fields.js';
import { decodeJson, describeValue, DocumentReader, type JsonObject, type ParseOptions } from './json-document.js';
import type { ImageIndex, ImageManifest, ManifestDocument } from './types.js';

/**
 * Largest manifest or index accepted by default: 4 MiB, the limit the CNCF
 * distribution registry and the OCI distribution spec recommend, so nothing a
 * registry serves is refused.
 *
 * @example
 * ```ts
 * if (bytes.byteLength > MAX_MANIFEST_BYTES) console.warn('a registry would refuse this manifest');
 * ```
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const MANIFEST = 'image manifest';
const INDEX = 'image index';

const schema1Hint = 'Docker schema 1 images are deprecated and not supported; pull and push the image again with a current Docker to convert it.';

/**
 * Parses a tag's bytes, which may be a single-image manifest or an index, from
 * an untrusted source (a bucket, a registry, an archive). Nothing is
 * re-serialised: keep `bytes` for storing and copying; the image digest is
 * `sha256Digest(bytes)`.
 *
 * It is an index when the media type is the OCI index or the Docker manifest
 * list, or when there is no media type, `schemaVersion` is 2 and there is a
 * `manifests` array; otherwise it is read as a manifest. Every descriptor's
 * digest is checked (`sha256:` + 64 lowercase hex) so none can reach a key.
 *
 * @throws S3loError TOO_LARGE over `maxBytes` (default {@link MAX_MANIFEST_BYTES},
 *   checked before parsing); INVALID_MANIFEST for anything else wrong, with
 *   `details.path` the JSON path of the problem (a bad digest is reported
 *   this way too, the INVALID_DIGEST error as `cause`).
 *
 * @example
 * ```ts
 * // manifestJson: the whole of manifests/<image>/<tag>/manifest.json
 * const doc = parseManifestDocument(manifestJson);
 * if (doc.kind === 'index') {
 *   for (const child of selectPlatformManifests(doc.index, undefined)) console.log(child.digest);
 * } else {
 *   console.log(doc.manifest.layers.length, 'layers');
 * }
 * ```
 */
export function parseManifestDocument(bytes: Uint8Array, options: ParseOptions = {}): ManifestDocument {
  const value = decodeJson(bytes, 'manifest', options.maxBytes ?? MAX_MANIFEST_BYTES);
  const peek = new DocumentReader('manifest');
  const obj = peek.object(value, '');
  const mediaType = peek.optionalString(obj, 'mediaType', '');
  if (mediaType !== undefined && !isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) {
    unsupportedMediaType(peek, mediaType, [MediaType.OCI_MANIFEST, MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST, MediaType.DOCKER_MANIFEST_LIST]);
  }
  const isIndex = isIndexMediaType(mediaType) || (mediaType === undefined && obj['schemaVersion'] === 2 && Array.isArray(obj['manifests']));
  if (isIndex) {
    const index = checkIndex(new DocumentReader(INDEX), obj);
    return { kind: 'index', mediaType: index.mediaType ?? MediaType.OCI_INDEX, index };
  }
  const manifest = checkManifest(new DocumentReader(MANIFEST), obj);
  return { kind: 'manifest', mediaType: manifest.mediaType ?? MediaType.OCI_MANIFEST, manifest };
}

/**
 * Parses untrusted bytes that must be a single-image manifest (OCI image
 * manifest or Docker v2 schema 2), such as an index's child. An index is
 * rejected. Same checks and errors as {@link parseManifestDocument}.
 *
 * @example
 * ```ts
 * const manifest = parseImageManifest(childBytes);
 * const digests = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
 * ```
 */
export function parseImageManifest(bytes: Uint8Array, options: ParseOptions = {}): ImageManifest {
  const reader = new DocumentReader(MANIFEST);
  const value = decodeJson(bytes, MANIFEST, options.maxBytes ?? MAX_MANIFEST_BYTES);
  return checkManifest(reader, reader.object(value, ''));
}

/**
 * Parses untrusted bytes that must be an index (OCI image index or Docker
 * manifest list); an OCI layout's `index.json` is one too. A single-image
 * manifest is rejected. Same checks and errors as {@link parseManifestDocument}.
 *
 * @example
 * ```ts
 * const index = parseImageIndex(await readFile(join(layoutDir, 'index.json')));
 * console.log(index.manifests.map((m) => m.digest));
 * ```
 */
export function parseImageIndex(bytes: Uint8Array, options: ParseOptions = {}): ImageIndex {
  const reader = new DocumentReader(INDEX);
  const value = decodeJson(bytes, INDEX, options.maxBytes ?? MAX_MANIFEST_BYTES);
  return checkIndex(reader, reader.object(value, ''));
}

function checkManifest(reader: DocumentReader, obj: JsonObject): ImageManifest {
  checkSchemaVersion(reader, obj);
  const mediaType = reader.optionalString(obj, 'mediaType', '');
  if (mediaType !== undefined && !isManifestMediaType(mediaType)) {
    if (isIndexMediaType(mediaType)) {
      reader.fail('mediaType', `is ${JSON.stringify(mediaType)}, an index media type: this is an image index, not an image manifest`);
    }
    unsupportedMediaType(reader, mediaType, [MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST]);
  }
  // A document that has both shapes is read as a manifest by some clients and
  // as an index by others (CVE-2021-41190), so it is refused either way.
  if (reader.optional(obj, 'manifests') !== undefined) {
    reader.fail('', 'has a "manifests" field, which belongs to an index: a manifest with it is ambiguous and refused');
  }
  reader.optionalString(obj, 'artifactType', '');
  readDescriptor(reader, reader.required(obj, 'config', ''), 'config');
  readDescriptors(reader, obj, 'layers', '');
  readOptionalDescriptor(reader, obj, 'subject', '');
  reader.optionalStringMap(obj, 'annotations', '');
  return obj as unknown as ImageManifest;
}

function checkIndex(reader: DocumentReader, obj: JsonObject): ImageIndex {
  checkSchemaVersion(reader, obj);
  const mediaType = reader.optionalString(obj, 'mediaType', '');
  if (mediaType !== undefined && !isIndexMediaType(mediaType)) {
    if (isManifestMediaType(mediaType)) {
      reader.fail('mediaType', `is ${JSON.stringify(mediaType)}, a manifest media type: this is an image manifest, not an index`);
    }
    unsupportedMediaType(reader, mediaType, [MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST_LIST]);
  }
  for (const field of ['config', 'layers']) {
    if (reader.optional(obj, field) !== undefined) {
      reader.fail('', `has a "${field}" field, which belongs to a manifest: an index with it is ambiguous and refused`);
    }
  }
  reader.optionalString(obj, 'artifactType', '');
  readDescriptors(reader, obj, 'manifests', '');
  readOptionalDescriptor(reader, obj, 'subject', '');
  reader.optionalStringMap(obj, 'annotations', '');
  return obj as unknown as ImageIndex;
}

function checkSchemaVersion(reader: DocumentReader, obj: JsonObject): void {
  const version = reader.required(obj, 'schemaVersion', '');
  if (version === 2) return;
  reader.fail('schemaVersion', `must be 2, got ${describeValue(version)}`, { hint: version === 1 ? schema1Hint : undefined });
}

function unsupportedMediaType(reader: DocumentReader, mediaType: string, expected: readonly (ManifestMediaType | IndexMediaType)[]): never {
  const shown = mediaType.length > 100 ? `${mediaType.slice(0, 97)}...` : mediaType;
  return reader.fail('mediaType', `${JSON.stringify(shown)} is not supported (expected ${expected.join(', ')})`, {
    hint: mediaType.startsWith('application/vnd.docker.distribution.manifest.v1') ? schema1Hint : undefined,
  });
}
