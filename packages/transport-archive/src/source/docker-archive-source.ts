import { pipeline as pipelineCallback, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, S3loError, createDigestVerifier, createDigester, isAbortError, parseDigest, sha256Digest, throwIfAborted, type Digest } from '@s3lo/core';
import type { ImageSource, ManifestBytes, TransportOpenOptions } from '@s3lo/core/image';
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, MediaType, parseImageConfig, parseImageIndex, parseManifestDocument, type Descriptor, type ImageManifest } from '@s3lo/core/oci';
import { parseRegistryReference, type RegistryReference } from '@s3lo/core/ref';
import type { CallOptions } from '@s3lo/core/storage';
import { MAGIC_BYTES, sniffCompression } from '../compression.js';
import { invalidArchive, quote } from '../errors.js';
import type { DockerArchiveLocation } from '../locations.js';
import { TarArchive, type TarEntry } from '../tar/tar-archive.js';
import { DOCKER_SAVE_MANIFEST, MAX_DOCKER_SAVE_MANIFEST_BYTES, parseDockerSaveManifest, type DockerSaveItem } from './docker-save-manifest.js';
import { blobEntryName, checkSize, layoutBlobEntry, readVerifiedBlob } from '../oci-layout.js';

/** Where one blob of the image comes from. */
type BlobOrigin =
  | { readonly bytes: Buffer }
  /** `verify`: the digest is a claim (a diff_id from the config), checked as the bytes stream. */
  | { readonly entry: TarEntry; readonly verify: boolean };

const LAYER_MEDIA_TYPES = { none: MediaType.OCI_LAYER, gzip: MediaType.OCI_LAYER_GZIP, zstd: MediaType.OCI_LAYER_ZSTD } as const;

/**
 * Opens `docker-archive:<file>[:<name:tag>]`, a `docker save` archive. The
 * image is the `manifest.json` entry whose `RepoTags` has the name (compared
 * normalised: `app:v1` is `docker.io/library/app:v1`), or the only one.
 *
 * Its manifest: when the archive also holds an OCI layout with a manifest
 * for this very image (Docker 25 and later), that manifest's bytes as they
 * are. Otherwise one is made, the way the Go s3lo makes it: an OCI manifest
 * whose config is the config file as is, and whose layers are the layer
 * files as stored: an uncompressed tar is `...layer.v1.tar` with digest its
 * diff_id, a gzip or zstd file (by its first bytes) `...tar+gzip` /
 * `...tar+zstd` with the sha256 of the file, hashed once here. The made
 * manifest is the same bytes for the same archive every time.
 *
 * @example
 * ```ts
 * const source = await openDockerArchiveSource(ref.parseTransportReference('docker-archive:app.tar:app:v1'));
 * ```
 */
export async function openDockerArchiveSource(location: DockerArchiveLocation, options: TransportOpenOptions = {}): Promise<ImageSource> {
  const { signal } = options;
  const archive = await TarArchive.open(location.path, { signal });
  try {
    if (archive.entry(DOCKER_SAVE_MANIFEST) === undefined && archive.entry('index.json') !== undefined) {
      throw invalidArchive(archive.path, 'it has no manifest.json: it is an OCI layout archive, not a docker save archive', {}, `use oci-archive:${archive.path}`);
    }
    const items = parseDockerSaveManifest(
      await archive.readFile(archive.resolveFile(DOCKER_SAVE_MANIFEST, 'the docker save manifest'), MAX_DOCKER_SAVE_MANIFEST_BYTES, 'manifest.json'),
      archive.path,
    );
    const item = selectItem(items, location.reference, archive.path);
    const configBytes = await archive.readFile(archive.resolveFile(item.config, 'the image config'), MAX_CONFIG_BYTES, 'the image config');
    const config = parseImageConfig(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== item.layers.length) {
      throw new S3loError(
        ErrorCode.INVALID_MANIFEST,
        `image config ${quote(item.config)} in ${quote(archive.path)} lists ${diffIds.length} layers (rootfs.diff_ids), manifest.json ${item.layers.length}`,
        { details: { archive: archive.path, config: item.config, diffIds: diffIds.length, layers: item.layers.length } },
      );
    }
    const layerEntries = item.layers.map((name, i) => archive.resolveFile(name, `layer ${i + 1}`));
    const configDigest = sha256Digest(configBytes);
    const image =
      (await embeddedImage(archive, configDigest, configBytes, item.layers, signal)) ?? (await synthesisedImage(archive, configDigest, configBytes, layerEntries, diffIds, signal));
    return new DockerArchiveSource(describe(location), archive, image.manifest, image.blobs);
  } catch (error) {
    await archive.close().catch(() => undefined);
    throw error;
  }
}

interface ArchiveImage {
  readonly manifest: ManifestBytes;
  readonly blobs: ReadonlyMap<Digest, BlobOrigin>;
}

class DockerArchiveSource implements ImageSource {
  constructor(
    readonly description: string,
    private readonly archive: TarArchive,
    private readonly manifest: ManifestBytes,
    private readonly blobs: ReadonlyMap<Digest, BlobOrigin>,
  ) {}

  async readManifest(): Promise<ManifestBytes> {
    return this.manifest;
  }

  async readChildManifest(descriptor: Descriptor): Promise<Buffer> {
    throw new S3loError(ErrorCode.NOT_FOUND, `${this.description} is a single image: it has no child manifest ${String(descriptor?.digest)}`, {
      details: { archive: this.archive.path },
    });
  }

  async openBlob(descriptor: Descriptor, options: CallOptions = {}): Promise<Readable> {
    throwIfAborted(options.signal);
    const { digest, origin } = this.origin(descriptor);
    if ('bytes' in origin) return Readable.from([origin.bytes], { objectMode: false });
    const range = this.archive.openRange(origin.entry, options.signal);
    if (!origin.verify) return range;
    const verifier = createDigestVerifier({ digest, size: descriptor.size });
    pipelineCallback(range, verifier, () => {});
    return verifier;
  }

  /** Every blob of the plan, from what was indexed at open: known and of the stated size. */
  async checkBlobs(descriptors: readonly Descriptor[]): Promise<void> {
    for (const descriptor of descriptors) this.origin(descriptor);
  }

  async close(): Promise<void> {
    await this.archive.close();
  }

  /** Where a blob comes from, checked: NOT_FOUND for a blob the image does not have, SIZE_MISMATCH for another size. */
  private origin(descriptor: Descriptor): { digest: Digest; origin: BlobOrigin } {
    const digest = parseDigest(descriptor.digest, 'the blob digest');
    const origin = this.blobs.get(digest);
    if (origin === undefined) {
      throw new S3loError(ErrorCode.NOT_FOUND, `${this.description} has no blob ${digest}`, { details: { archive: this.archive.path, digest } });
    }
    if ('bytes' in origin) {
      if (descriptor.size !== origin.bytes.length) {
        throw new S3loError(ErrorCode.SIZE_MISMATCH, `blob ${digest} is ${origin.bytes.length} bytes, but is announced as ${descriptor.size}`, {
          details: { digest, expected: descriptor.size, actual: origin.bytes.length },
        });
      }
    } else {
      checkSize(this.archive, origin.entry, descriptor, digest, 'blob');
    }
    return { digest, origin };
  }
}

/**
 * The `manifest.json` entry to read: by name, compared after normalising
 * both sides (`app:v1` = `docker.io/library/app:v1`); without a name, the
 * only image. RepoTags that are not valid references never match.
 */
function selectItem(items: readonly DockerSaveItem[], reference: RegistryReference | undefined, archive: string): DockerSaveItem {
  const tags = items.flatMap((item) => item.repoTags);
  const available = tags.length > 0 ? `it has ${tags.map((t) => quote(t)).join(', ')}` : 'its images are untagged';
  if (reference === undefined) {
    const [only, ...rest] = items;
    if (only === undefined) throw new S3loError(ErrorCode.NOT_FOUND, `archive ${quote(archive)} holds no image (manifest.json is empty)`, { details: { archive } });
    if (rest.length > 0) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `archive ${quote(archive)} holds ${items.length} images; name one (${available})`, {
        details: { archive, available: tags },
        hint: tags[0] === undefined ? undefined : `docker-archive:${archive}:${tags[0]}`,
      });
    }
    return only;
  }
  const wanted = reference.toString();
  const match = items.find((item) => item.repoTags.some((tag) => normalisedTag(tag) === wanted));
  if (match === undefined) {
    throw new S3loError(ErrorCode.NOT_FOUND, `archive ${quote(archive)} has no image named ${quote(reference.familiarString())}; ${available}`, {
      details: { archive, reference: wanted, available: tags },
    });
  }
  return match;
}

function normalisedTag(tag: string): string | undefined {
  try {
    return parseRegistryReference(tag).toString();
  } catch {
    return undefined;
  }
}

/**
 * The manifest Docker 25+ stores beside `manifest.json`: an OCI layout whose
 * index (or an index it points to) has a manifest with this config and
 * exactly these layer files. Used as is, so the image keeps the digest
 * Docker gave it. Anything unusable in the layout is ignored and the image
 * made from `manifest.json`, as skopeo does (Docker 25.0 wrote
 * `"manifests": null` for images saved by digest).
 */
async function embeddedImage(
  archive: TarArchive,
  configDigest: Digest,
  configBytes: Buffer,
  layerNames: readonly string[],
  signal: AbortSignal | undefined,
): Promise<ArchiveImage | undefined> {
  if (archive.entry('index.json') === undefined || !layerNames.every((name) => /^blobs\/sha256\/[a-f0-9]{64}$/.test(name))) return undefined;
  const pending: Descriptor[] = [];
  try {
    pending.push(...parseImageIndex(await archive.readFile(archive.resolveFile('index.json', 'index.json'), MAX_MANIFEST_BYTES, 'index.json')).manifests);
  } catch (error) {
    if (isAbortError(error)) throw error;
    return undefined;
  }
  // Bounds the walk over an untrusted graph of indexes.
  for (let visited = 0; pending.length > 0 && visited < 256; visited++) {
    throwIfAborted(signal);
    const descriptor = pending.shift() as Descriptor;
    if (descriptor.size > MAX_MANIFEST_BYTES || archive.entry(blobEntryName(descriptor.digest)) === undefined) continue;
    let document: ReturnType<typeof parseManifestDocument>;
    let bytes: Buffer;
    try {
      bytes = await readVerifiedBlob(archive, descriptor, MAX_MANIFEST_BYTES, 'manifest');
      document = parseManifestDocument(bytes);
    } catch (error) {
      if (isAbortError(error)) throw error;
      continue;
    }
    if (document.kind === 'index') {
      pending.push(...document.index.manifests);
      continue;
    }
    if (!describesImage(document.manifest, configDigest, layerNames)) continue;
    const blobs = new Map<Digest, BlobOrigin>([[configDigest, { bytes: configBytes }]]);
    for (const layer of document.manifest.layers) blobs.set(layer.digest, { entry: layoutBlobEntry(archive, layer, 'layer'), verify: false });
    return { manifest: { bytes, digest: descriptor.digest, mediaType: document.mediaType }, blobs };
  }
  return undefined;
}

function describesImage(manifest: ImageManifest, configDigest: Digest, layerNames: readonly string[]): boolean {
  return manifest.config.digest === configDigest && manifest.layers.length === layerNames.length && manifest.layers.every((layer, i) => blobEntryName(layer.digest) === layerNames[i]);
}

/** The image made from `manifest.json` and the files it names (see {@link openDockerArchiveSource}). */
async function synthesisedImage(
  archive: TarArchive,
  configDigest: Digest,
  configBytes: Buffer,
  layerEntries: readonly TarEntry[],
  diffIds: readonly Digest[],
  signal: AbortSignal | undefined,
): Promise<ArchiveImage> {
  const blobs = new Map<Digest, BlobOrigin>([[configDigest, { bytes: configBytes }]]);
  // A file listed twice (docker save links a repeated layer) is hashed once.
  const hashed = new Map<TarEntry, Digest>();
  const layers: Descriptor[] = [];
  for (const [i, entry] of layerEntries.entries()) {
    throwIfAborted(signal);
    const compression = sniffCompression(await archive.readHead(entry, MAGIC_BYTES));
    let digest: Digest;
    if (compression === 'none') {
      digest = diffIds[i] as Digest;
    } else {
      digest = hashed.get(entry) ?? (await hashEntry(archive, entry, signal));
      hashed.set(entry, digest);
    }
    // A layer repeated in the image is served from its first file (and a
    // second file that differs then fails its size or digest check).
    if (!blobs.has(digest)) blobs.set(digest, { entry, verify: compression === 'none' });
    layers.push({ mediaType: LAYER_MEDIA_TYPES[compression], digest, size: entry.size });
  }
  // Key order and compact form as Go's encoding/json writes the OCI structs,
  // which is what the Go s3lo stores for the same archive.
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: { mediaType: MediaType.OCI_CONFIG, digest: configDigest, size: configBytes.length },
    layers: layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  return { manifest: { bytes, digest: sha256Digest(bytes), mediaType: MediaType.OCI_MANIFEST }, blobs };
}

async function hashEntry(archive: TarArchive, entry: TarEntry, signal: AbortSignal | undefined): Promise<Digest> {
  const digester = createDigester();
  await pipeline(archive.openRange(entry, signal), digester, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return digester.digest();
}

function describe(location: DockerArchiveLocation): string {
  return location.reference === undefined ? `docker-archive:${location.path}` : `docker-archive:${location.path}:${location.reference.familiarString()}`;
}
