import type { Readable } from 'node:stream';
import { ErrorCode, S3loError, parseDigest, throwIfAborted, type Digest } from '@s3lo/core';
import type { ImageSource, ManifestBytes, TransportOpenOptions } from '@s3lo/core/image';
import type { CallOptions } from '@s3lo/core/storage';
import { MAX_MANIFEST_BYTES, parseImageIndex, parseManifestDocument, type Descriptor, type ImageIndex } from '@s3lo/core/oci';
import { invalidArchive, quote } from '../errors.js';
import type { OciArchiveLocation } from '../locations.js';
import { TarArchive } from '../tar/tar-archive.js';
import { layoutBlobEntry, openLayoutBlob, readVerifiedBlob, REF_NAME_ANNOTATION } from '../oci-layout.js';

const INDEX_JSON = 'index.json';
const OCI_LAYOUT = 'oci-layout';

/**
 * Opens `oci-archive:<file>[:<tag>]`: a tar of an OCI image layout. The
 * archive is indexed (headers only) and the selected manifest or index is
 * read and verified here, so a missing tag or a broken archive fails at open.
 *
 * @example
 * ```ts
 * const source = await openOciArchiveSource(ref.parseTransportReference('oci-archive:app.tar:v1'));
 * const { bytes, digest } = await source.readManifest();
 * ```
 */
export async function openOciArchiveSource(location: OciArchiveLocation, options: TransportOpenOptions = {}): Promise<ImageSource> {
  const archive = await TarArchive.open(location.path, { signal: options.signal });
  try {
    checkLayoutVersion(archive, await readLayoutFile(archive));
    const index = parseImageIndex(await archive.readFile(archive.resolveFile(INDEX_JSON, 'the layout index'), MAX_MANIFEST_BYTES, 'the layout index'));
    const selected = selectImage(index, location.tag, archive.path);
    throwIfAborted(options.signal);
    const bytes = await readVerifiedBlob(archive, selected, MAX_MANIFEST_BYTES, 'manifest');
    const manifest: ManifestBytes = { bytes, digest: parseDigest(selected.digest), mediaType: parseManifestDocument(bytes).mediaType };
    return new OciArchiveSource(describe(location), archive, manifest);
  } catch (error) {
    await archive.close().catch(() => undefined);
    throw error;
  }
}

class OciArchiveSource implements ImageSource {
  constructor(
    readonly description: string,
    private readonly archive: TarArchive,
    private readonly manifest: ManifestBytes,
  ) {}

  async readManifest(): Promise<ManifestBytes> {
    return this.manifest;
  }

  async readChildManifest(descriptor: Descriptor): Promise<Buffer> {
    return readVerifiedBlob(this.archive, descriptor, MAX_MANIFEST_BYTES, 'child manifest');
  }

  async openBlob(descriptor: Descriptor, options: CallOptions = {}): Promise<Readable> {
    throwIfAborted(options.signal);
    return openLayoutBlob(this.archive, descriptor, 'blob', options.signal);
  }

  /** Every blob's member, from the index read at open: present, a regular file (or a link to one inside), of the stated size. */
  async checkBlobs(descriptors: readonly Descriptor[]): Promise<void> {
    for (const descriptor of descriptors) layoutBlobEntry(this.archive, descriptor, 'blob');
  }

  async close(): Promise<void> {
    await this.archive.close();
  }
}

async function readLayoutFile(archive: TarArchive): Promise<Buffer | undefined> {
  if (archive.entry(OCI_LAYOUT) === undefined) return undefined;
  return archive.readFile(archive.resolveFile(OCI_LAYOUT, 'the oci-layout file'), 64 * 1024, 'the oci-layout file');
}

// The layout spec requires `oci-layout`; skopeo reads layouts without one,
// and so does this. One that names a layout version other than 1.x is a
// format this reader does not know and is refused.
function checkLayoutVersion(archive: TarArchive, bytes: Buffer | undefined): void {
  if (bytes === undefined) {
    if (archive.entry(INDEX_JSON) === undefined && archive.entry('manifest.json') !== undefined) {
      throw invalidArchive(archive.path, 'it is not an OCI layout (no index.json) but a docker save archive', {}, `use docker-archive:${archive.path}`);
    }
    return;
  }
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    throw invalidArchive(archive.path, `its oci-layout file does not name a supported imageLayoutVersion (1.x.y), got ${quote(String(version))}`);
  }
}

/**
 * The index entry a tag names, as in an OCI layout directory: the entry
 * whose `org.opencontainers.image.ref.name` is the tag; with no tag, the
 * only entry. Several entries under one tag with different digests are
 * refused as ambiguous rather than picked by position.
 */
export function selectImage(index: ImageIndex, tag: string | undefined, archive: string): Descriptor {
  const names = [...new Set(index.manifests.map((m) => m.annotations?.[REF_NAME_ANNOTATION]).filter((n): n is string => n !== undefined))];
  const available = names.length > 0 ? `it has ${names.map((n) => quote(n)).join(', ')}` : 'its images have no ref names';
  if (tag === undefined) {
    const [only, ...rest] = index.manifests;
    if (only === undefined) {
      throw new S3loError(ErrorCode.NOT_FOUND, `archive ${quote(archive)} holds no image (its index.json is empty)`, { details: { archive } });
    }
    if (rest.length > 0) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `archive ${quote(archive)} holds ${index.manifests.length} images; name one with a tag (${available})`, {
        details: { archive, available: names },
        hint: names[0] === undefined ? undefined : `oci-archive:${archive}:${names[0]}`,
      });
    }
    return only;
  }
  const matches = index.manifests.filter((m) => m.annotations?.[REF_NAME_ANNOTATION] === tag);
  const [first] = matches;
  if (first === undefined) {
    throw new S3loError(ErrorCode.NOT_FOUND, `archive ${quote(archive)} has no image tagged ${quote(tag)}; ${available}`, {
      details: { archive, tag, available: names },
    });
  }
  const digests = new Set<Digest>(matches.map((m) => m.digest));
  if (digests.size > 1) {
    throw invalidArchive(archive, `tag ${quote(tag)} names ${digests.size} different images in index.json`, { tag, digests: [...digests] });
  }
  return first;
}

function describe(location: OciArchiveLocation): string {
  return location.tag === undefined ? `oci-archive:${location.path}` : `oci-archive:${location.path}:${location.tag}`;
}
