import { parseDigest, sha256Digest, type Digest } from '../../digest/digest.js';
import { isAbortError } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { MAX_MANIFEST_BYTES, parseManifestDocument } from '../../oci/parse-manifest.js';
import { listPlatforms } from '../../oci/platform-select.js';
import type { Descriptor, ManifestDocument } from '../../oci/types.js';
import type { BucketImageReference } from '../../ref/bucket-image-reference.js';
import type { BucketStore, StoredManifest } from '../bucket-store.js';
import type { BucketOperationOptions } from '../open-bucket.js';
import { mapConcurrent } from '../../storage/map-concurrent.js';
import { inContext, manifestSize, ManifestGraph } from './manifest-graph.js';
import { listTagsOfImage } from './tag-objects.js';
import { toImageReference, withStore, type BucketImageInput } from './targets.js';

const READ_CONCURRENCY = 8;

/** A config or layer as its manifest describes it. */
export interface InspectedBlob {
  readonly digest: Digest;
  readonly size: number;
  readonly mediaType: string;
}

/** One entry of an index, with what its child manifest holds. */
export interface InspectedPlatform {
  /** `os/arch[/variant]` (`unknown/unknown` for attestations), or `(no platform)`. */
  readonly platform: string;
  /** The child manifest's digest. */
  readonly digest: Digest;
  readonly mediaType: string;
  /** True for attestations (SBOM, provenance): shown, never picked for a run. */
  readonly attestation: boolean;
  readonly config: InspectedBlob;
  readonly layers: InspectedBlob[];
  /** Config plus layer sizes of this child. */
  readonly totalSize: number;
}

/** What {@link inspect} reports. */
export interface InspectResult {
  /** The reference inspected, as it prints (`s3://b/app:v1`, `s3://b/app@sha256:...`). */
  readonly reference: string;
  /**
   * The tags of the image it was found through: the tag of a tag reference;
   * for a digest reference every tag whose manifest has that digest, or
   * whose index has a child with it.
   */
  readonly tags: string[];
  /** The image digest: sha256 of the stored manifest or index bytes. */
  readonly digest: Digest;
  readonly mediaType: string;
  readonly isIndex: boolean;
  /** Set when a digest reference named a child of an index: the digests of those indexes. */
  readonly childOf?: Digest[];
  /** The config of a single manifest; absent for an index. */
  readonly config?: InspectedBlob;
  /** The layers of a single manifest; empty for an index (see `platforms`). */
  readonly layers: InspectedBlob[];
  /**
   * A manifest: config plus layer sizes. An index: the sum of its children's
   * `totalSize`, attestations included, each child counted in full even where
   * children share layers (as `stats` counts logical bytes).
   */
  readonly totalSize: number;
  /** An index's entries in index order, attestations included and marked; empty for a manifest. */
  readonly platforms: InspectedPlatform[];
}

/**
 * Describes an image in a bucket: digest, media type, config and layers, and
 * for a multi-platform image each platform's child manifest (read from
 * `blobs/sha256/` and verified against its digest).
 *
 * A digest reference (`s3://b/app@sha256:...`) is resolved by reading the
 * tags of `app`: a tag whose manifest has the digest, or else a child with
 * that digest of one of its indexes. A digest is never mapped to a key (the
 * Go tool's `manifests/<image>/sha256:<hex>/` is written by no one).
 *
 * @throws S3loError NOT_FOUND for a missing tag or an unknown digest;
 *   INVALID_DIGEST for a digest that is not sha256; INVALID_MANIFEST,
 *   DIGEST_MISMATCH, NOT_FOUND (a missing child) when the stored image is
 *   corrupt.
 *
 * @example
 * ```ts
 * import { image } from '@s3lo/core';
 * const info = await image.inspect('s3://my-bucket/team/app:v1', { signal });
 * console.log(info.digest, info.totalSize);
 * for (const p of info.platforms) console.log(p.platform, p.attestation ? '(attestation)' : p.totalSize);
 * ```
 */
export async function inspect(ref: BucketImageInput, options: BucketOperationOptions = {}): Promise<InspectResult> {
  const reference = toImageReference(ref);
  return withStore(reference, options, async (store) => {
    const graph = new ManifestGraph(store, options.signal);
    if (reference.digest === undefined) {
      const tag = reference.tag as string;
      const stored = await store.readTag(reference.image, tag, options);
      const document = parseOrExplain(stored.bytes, reference.toString());
      return describe(reference, [tag], stored.digest, document, graph, options.signal);
    }
    const found = await findByDigest(store, reference, options.signal);
    const document = parseOrExplain(found.bytes, reference.toString());
    const result = await describe(reference, found.tags, found.digest, document, graph, options.signal);
    return found.childOf === undefined ? result : { ...result, childOf: found.childOf };
  });
}

/** What a digest reference resolved to. */
export interface FoundByDigest extends StoredManifest {
  /** The tags it was found through. */
  readonly tags: string[];
  /** For a child of an index: the indexes' digests. */
  readonly childOf?: Digest[];
  /** Tags of the image that could not be read, so were not searched. */
  readonly unreadableTags: string[];
}

/**
 * Resolves `image@digest` by reading the image's tags: the tags whose bytes
 * have the digest; else the tags whose index lists a child with it (the
 * child is then read from `blobs/sha256/`, verified). A tag that cannot be
 * read or parsed does not stop the search; if nothing is found, the
 * NOT_FOUND error names such tags (`details.unreadableTags`).
 */
export async function findByDigest(store: BucketStore, reference: BucketImageReference, signal: AbortSignal | undefined): Promise<FoundByDigest> {
  const wanted = parseDigest(reference.digest, `digest of ${reference.toString()}`);
  const tags = await listTagsOfImage(store.backend, reference.image, signal);
  const read = await mapConcurrent(tags, READ_CONCURRENCY, signal, async ({ tag }) => {
    try {
      return { tag, stored: await store.readTag(reference.image, tag, { signal }) };
    } catch (error) {
      // Deleted since the listing: it simply is not there any more.
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return { tag };
      if (isAbortError(error)) throw error;
      return { tag, error };
    }
  });
  const failed = read.filter((r) => r.error !== undefined);
  const unreadableTags = failed.map((r) => r.tag);
  const exact = read.filter((r) => r.stored?.digest === wanted);
  const first = exact[0]?.stored;
  if (first !== undefined) return { ...first, tags: exact.map((r) => r.tag), unreadableTags };

  const parents: { tag: string; digest: Digest }[] = [];
  for (const { tag, stored } of read) {
    if (stored === undefined) continue;
    let document: ManifestDocument;
    try {
      document = parseManifestDocument(stored.bytes);
    } catch {
      unreadableTags.push(tag);
      continue;
    }
    if (document.kind === 'index' && document.index.manifests.some((child) => child.digest === wanted)) {
      parents.push({ tag, digest: stored.digest });
    }
  }
  if (parents.length > 0) {
    let bytes: Buffer;
    try {
      bytes = await store.readBlob(wanted, MAX_MANIFEST_BYTES, { signal });
    } catch (error) {
      throw inContext(error, `${reference.toString()} is a child of ${parents.map((p) => `${reference.image}:${p.tag}`).join(', ')}, but it cannot be read`, {
        digest: wanted,
      });
    }
    return {
      bytes,
      digest: sha256Digest(bytes),
      tags: parents.map((p) => p.tag),
      childOf: [...new Set(parents.map((p) => p.digest))],
      unreadableTags,
    };
  }
  const unreadable = unreadableTags.length > 0 ? ` (${unreadableTags.length} tag(s) could not be read: ${unreadableTags.slice(0, 3).join(', ')})` : '';
  throw new S3loError(ErrorCode.NOT_FOUND, `no tag of ${reference.image} in ${store.describe()} has digest ${wanted}, nor an index with a child of that digest${unreadable}`, {
    cause: failed[0]?.error,
    details: { image: reference.image, digest: wanted, unreadableTags },
  });
}

async function describe(
  reference: BucketImageReference,
  tags: string[],
  digest: Digest,
  document: ManifestDocument,
  graph: ManifestGraph,
  signal: AbortSignal | undefined,
): Promise<InspectResult> {
  const base = { reference: reference.toString(), tags, digest, mediaType: document.mediaType };
  if (document.kind === 'manifest') {
    const { manifest } = document;
    return {
      ...base,
      isIndex: false,
      config: blob(manifest.config),
      layers: manifest.layers.map(blob),
      totalSize: manifestSize(manifest),
      platforms: [],
    };
  }
  const platforms = await mapConcurrent(listPlatforms(document.index), READ_CONCURRENCY, signal, async (entry): Promise<InspectedPlatform> => {
    const childDigest = entry.descriptor.digest;
    let child: ManifestDocument;
    try {
      child = await graph.readChild(childDigest);
    } catch (error) {
      throw inContext(error, `${reference.toString()}: platform ${entry.name}`, { digest: childDigest });
    }
    if (child.kind !== 'manifest') {
      throw new S3loError(ErrorCode.INVALID_MANIFEST, `${reference.toString()}: child ${childDigest} (${entry.name}) is itself an index; nested indexes are not supported`, {
        details: { digest: childDigest },
      });
    }
    return {
      platform: entry.name,
      digest: childDigest,
      mediaType: child.mediaType,
      attestation: entry.attestation,
      config: blob(child.manifest.config),
      layers: child.manifest.layers.map(blob),
      totalSize: manifestSize(child.manifest),
    };
  });
  return {
    ...base,
    isIndex: true,
    layers: [],
    totalSize: platforms.reduce((sum, p) => sum + p.totalSize, 0),
    platforms,
  };
}

function blob(descriptor: Descriptor): InspectedBlob {
  return { digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType };
}

function parseOrExplain(bytes: Uint8Array, what: string): ManifestDocument {
  try {
    return parseManifestDocument(bytes);
  } catch (error) {
    throw inContext(error, `the manifest of ${what} is unusable`);
  }
}
