import { sha256Digest, type Digest } from '../../digest/digest.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { MediaType, formatPlatform, isAttestation, parseManifestDocument, platformMatches, selectPlatformManifests } from '../../oci/index.js';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from '../../oci/types.js';
import type { CallOptions } from '../../storage/backend.js';
import type { ImageSource, ManifestBytes } from '../transport.js';

/** A child manifest of an index, read and verified. */
export interface PlannedChild {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly manifest: ImageManifest;
}

/** Everything a copy will write, worked out before anything is written. */
export interface CopyPlan {
  /** What the destination's tag will hold. */
  readonly top: ManifestBytes;
  /** Child manifests to write before the top index (empty for a single manifest). */
  readonly children: readonly PlannedChild[];
  /** Every config and layer, each digest once, in manifest order. */
  readonly blobs: readonly Descriptor[];
  /** The platforms of the copied images (`linux/amd64`), attestations left out. */
  readonly platforms: readonly string[];
  /** For a single manifest: its config descriptor, to read the platform from. */
  readonly singleConfig?: Descriptor;
}

/**
 * Reads the source's manifest (and children) and decides what to copy:
 * - a single manifest: itself;
 * - an index, no platform requested: the index verbatim with every child;
 * - an index, one platform requested: the matching child becomes the top;
 * - an index, several platforms: a new index holding just those entries.
 */
export async function planCopy(source: ImageSource, platforms: readonly Platform[] | undefined, options: CallOptions): Promise<CopyPlan> {
  const top = verifiedManifest(await source.readManifest(options), source.description);
  const document = parseManifestDocument(top.bytes);
  if (document.kind === 'manifest') {
    return { top, children: [], blobs: blobsOf([document.manifest]), platforms: [], singleConfig: document.manifest.config };
  }
  const index = document.index;
  if (platforms === undefined) {
    const children = await readChildren(source, index.manifests, options);
    return {
      top,
      children,
      blobs: blobsOf(children.map((c) => c.manifest)),
      platforms: index.manifests.filter((d) => !isAttestation(d) && d.platform !== undefined).map((d) => formatPlatform(d.platform as Platform)),
    };
  }
  const selected = selectPlatformManifests(index, platforms);
  if (platforms.length === 1) {
    const [child] = await readChildren(source, selected.slice(0, 1), options);
    if (child === undefined) throw new S3loError(ErrorCode.PLATFORM_NOT_FOUND, 'no platform matched');
    return {
      top: { bytes: child.bytes, digest: child.descriptor.digest, mediaType: child.descriptor.mediaType },
      children: [],
      blobs: blobsOf([child.manifest]),
      platforms: [formatPlatform(child.descriptor.platform as Platform)],
    };
  }
  const children = await readChildren(source, selected, options);
  const subset: ImageIndex = { ...index, manifests: selected };
  const bytes = Buffer.from(JSON.stringify(subset));
  return {
    top: { bytes, digest: sha256Digest(bytes), mediaType: index.mediaType ?? MediaType.OCI_INDEX },
    children,
    blobs: blobsOf(children.map((c) => c.manifest)),
    platforms: selected.map((d) => formatPlatform(d.platform as Platform)),
  };
}

/**
 * A single image (no index) holds one platform, named by its config: a
 * platform request it does not satisfy is PLATFORM_NOT_FOUND, as for an
 * index, not a silent copy of whatever it is. Every requested platform must
 * match (with the same rules as index entries).
 *
 * @param actual its config's platform; undefined when the config names none
 *   (an artifact)
 */
export function checkSinglePlatform(requested: readonly Platform[], actual: Platform | undefined, description: string): void {
  const missing = requested.filter((platform) => actual === undefined || !platformMatches(platform, actual)).map(formatPlatform);
  if (missing.length === 0) return;
  const details = { requested: missing, available: actual === undefined ? [] : [formatPlatform(actual)] };
  const message =
    actual === undefined
      ? `${description} is a single image whose config names no platform, so it has no ${missing.join(' or ')} image`
      : `${description} is a single-platform ${formatPlatform(actual)} image; it has no ${missing.join(' or ')} image`;
  throw new S3loError(ErrorCode.PLATFORM_NOT_FOUND, message, {
    details,
    hint: actual === undefined ? 'copy it without a platform' : `copy it without a platform (or with ${formatPlatform(actual)}), or use an image built for ${missing.join(' and ')}`,
  });
}

function verifiedManifest(manifest: ManifestBytes, description: string): ManifestBytes {
  const actual = sha256Digest(manifest.bytes);
  if (actual !== manifest.digest) {
    throw new S3loError(ErrorCode.DIGEST_MISMATCH, `manifest of ${description} hashes to ${actual}, not ${manifest.digest}`, {
      details: { expected: manifest.digest, actual },
    });
  }
  return manifest;
}

async function readChildren(source: ImageSource, descriptors: readonly Descriptor[], options: CallOptions): Promise<PlannedChild[]> {
  const children: PlannedChild[] = [];
  for (const descriptor of descriptors) {
    const bytes = await source.readChildManifest(descriptor, options);
    const actual = sha256Digest(bytes);
    if (actual !== descriptor.digest || bytes.length !== descriptor.size) {
      throw new S3loError(ErrorCode.DIGEST_MISMATCH, `child manifest ${descriptor.digest} of ${source.description} is ${bytes.length} bytes hashing to ${actual}`, {
        details: { expected: descriptor.digest, actual },
      });
    }
    const document = parseManifestDocument(bytes);
    if (document.kind !== 'manifest') {
      throw new S3loError(ErrorCode.UNSUPPORTED, `child ${descriptor.digest} of ${source.description} is itself an index; nested indexes are not supported`);
    }
    children.push({ descriptor, bytes, manifest: document.manifest });
  }
  return children;
}

function blobsOf(manifests: readonly ImageManifest[]): Descriptor[] {
  const seen = new Set<Digest>();
  const blobs: Descriptor[] = [];
  for (const manifest of manifests) {
    for (const descriptor of [manifest.config, ...manifest.layers]) {
      if (seen.has(descriptor.digest)) continue;
      seen.add(descriptor.digest);
      blobs.push(descriptor);
    }
  }
  return blobs;
}
