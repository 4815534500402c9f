import { createReadStream } from 'node:fs';
import { ErrorCode, S3loError, type Digest } from '@s3lo/core';
import type { ImageSink, ManifestBytes, TransportOpenOptions } from '@s3lo/core/image';
import { MediaType, parseManifestDocument, type Descriptor } from '@s3lo/core/oci';
import type { OciArchiveLocation } from '../locations.js';
import { blobEntryName, REF_NAME_ANNOTATION } from '../oci-layout.js';
import { ArchiveSink, checkBytes, notWritten, prepareSinkFiles } from './archive-sink.js';
import { writeArchiveAtomically } from './archive-target.js';
import type { BlobSpool } from './blob-spool.js';

const OCI_LAYOUT_BYTES = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
// Indexes nest rarely and shallowly; the bound only guards against a cycle.
const MAX_INDEX_DEPTH = 4;

/**
 * Opens `oci-archive:<file>[:<tag>]` for writing: an OCI image layout in a
 * tar (`oci-layout`, `index.json` naming the image by the tag in
 * `org.opencontainers.image.ref.name`, `blobs/sha256/*`). Blobs and child
 * manifests are kept until `commit`, which writes the whole archive to a
 * temporary file beside the target and renames it over the target; the
 * target never exists half-written. An existing file is replaced.
 *
 * @example
 * ```ts
 * const sink = await openOciArchiveSink(ref.parseTransportReference('oci-archive:out.tar:v1'), { tempDir: '/var/tmp' });
 * ```
 */
export async function openOciArchiveSink(location: OciArchiveLocation, options: TransportOpenOptions = {}): Promise<ImageSink> {
  const { target, spool } = await prepareSinkFiles(location.path, options);
  return new OciArchiveSink(location, target, spool);
}

class OciArchiveSink extends ArchiveSink {
  readonly description: string;
  readonly #tag: string | undefined;
  readonly #children = new Map<Digest, Buffer>();

  constructor(location: OciArchiveLocation, target: string, spool: BlobSpool) {
    super(target, spool);
    this.#tag = location.tag;
    this.description = location.tag === undefined ? `oci-archive:${location.path}` : `oci-archive:${location.path}:${location.tag}`;
  }

  async writeChildManifest(descriptor: Descriptor, bytes: Buffer): Promise<void> {
    this.checkOpen();
    this.#children.set(checkBytes(bytes, descriptor.digest, `child manifest ${descriptor.digest}`), bytes);
  }

  protected async assemble(manifest: ManifestBytes, signal: AbortSignal | undefined): Promise<void> {
    // Everything the image references, checked present before anything is written.
    const manifests = new Map<Digest, Buffer>([[manifest.digest, manifest.bytes]]);
    const blobs = new Set<Digest>();
    this.#collect(manifest.bytes, manifests, blobs, 0);
    for (const digest of blobs) if (!this.spool.has(digest)) throw notWritten(digest, 'blob', this.description);

    const top: Record<string, unknown> = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
    if (this.#tag !== undefined) top['annotations'] = { [REF_NAME_ANNOTATION]: this.#tag };
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [top] }));
    const names = [...new Set<Digest>([...manifests.keys(), ...blobs])].sort();
    await writeArchiveAtomically(
      this.target,
      async (tar) => {
        await tar.file('oci-layout', OCI_LAYOUT_BYTES.length, OCI_LAYOUT_BYTES);
        await tar.file('index.json', index.length, index);
        await tar.directory('blobs');
        await tar.directory('blobs/sha256');
        for (const digest of names) {
          const bytes = manifests.get(digest);
          if (bytes !== undefined) {
            await tar.file(blobEntryName(digest), bytes.length, bytes);
            continue;
          }
          const blob = this.spool.get(digest) as { path: string; size: number };
          await tar.file(blobEntryName(digest), blob.size, createReadStream(blob.path), signal);
        }
      },
      signal,
    );
  }

  #collect(bytes: Buffer, manifests: Map<Digest, Buffer>, blobs: Set<Digest>, depth: number): void {
    const document = parseManifestDocument(bytes);
    if (document.kind === 'manifest') {
      for (const descriptor of [document.manifest.config, ...document.manifest.layers]) blobs.add(descriptor.digest);
      return;
    }
    if (depth >= MAX_INDEX_DEPTH) {
      throw new S3loError(ErrorCode.UNSUPPORTED, `${this.description}: indexes nested more than ${MAX_INDEX_DEPTH} deep are not supported`);
    }
    for (const child of document.index.manifests) {
      const childBytes = this.#children.get(child.digest);
      if (childBytes === undefined) throw notWritten(child.digest, 'child manifest', this.description);
      manifests.set(child.digest, childBytes);
      this.#collect(childBytes, manifests, blobs, depth + 1);
    }
  }
}
