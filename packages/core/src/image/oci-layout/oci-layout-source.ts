import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { parseDigest, sha256Digest } from '../../digest/digest.js';
import { throwIfAborted } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { MAX_MANIFEST_BYTES, parseManifestDocument } from '../../oci/parse-manifest.js';
import type { Descriptor } from '../../oci/types.js';
import type { OciLayoutReference } from '../../ref/transport-references.js';
import type { CallOptions } from '../../storage/backend.js';
import { mapConcurrent } from '../../storage/map-concurrent.js';
import type { ImageSource, ManifestBytes } from '../transport.js';
import { openContainedFile, readContainedFile } from './contained-files.js';
import { selectEntry } from './index-entries.js';
import { checkLayoutFile, findDirectory, readLayoutIndex, type LayoutDirectory } from './layout-directory.js';
import { blobPath, inFile, INDEX_FILE } from './layout-files.js';

/**
 * Options of {@link openOciLayoutSource}.
 *
 * @example
 * ```ts
 * const options: OciLayoutSourceOptions = { signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface OciLayoutSourceOptions extends CallOptions {}

/**
 * Opens an OCI image layout directory (`oci:<dir>[:<tag>]`) as an image
 * source: the `index.json` entry whose `org.opencontainers.image.ref.name`
 * is the tag, or, without a tag, the layout's only entry. The entry may be
 * a single manifest or an index (a multi-platform image).
 *
 * The layout is untrusted input: `index.json` is parsed with the oci
 * parsers (every digest checked before a path is built from it), every file
 * is opened only if its real path lies inside the layout, and manifests are
 * verified against their digest and size. Blob streams are not hashed here:
 * the copy verifies them while they flow; their size is checked on open.
 *
 * @throws S3loError NOT_FOUND when the directory, its `oci-layout` file,
 *   its `index.json` or the tag is missing (the message lists the names the
 *   layout has); INVALID_ARGUMENT when no tag is given and the layout holds
 *   several images; INVALID_MANIFEST when `oci-layout` or `index.json` is
 *   malformed; INVALID_KEY when a file is a link leading out of the layout.
 *
 * @example
 * ```ts
 * import { parseTransportReference } from '@s3lo/core/ref';
 * import { openOciLayoutSource } from '@s3lo/core/image';
 *
 * const location = parseTransportReference('oci:./layout:v1');
 * if (location.kind !== 'oci') throw new Error('expected oci:<dir>[:<tag>]');
 * const source = await openOciLayoutSource(location);
 * try {
 *   const { bytes, digest, mediaType } = await source.readManifest();
 *   console.log(digest, mediaType, bytes.length);
 * } finally {
 *   await source.close();
 * }
 * ```
 */
export async function openOciLayoutSource(location: OciLayoutReference, options: OciLayoutSourceOptions = {}): Promise<ImageSource> {
  const { signal } = options;
  throwIfAborted(signal);
  const description = location.toString();
  const layout = await findDirectory(location.path);
  if (layout === undefined) {
    throw new S3loError(ErrorCode.NOT_FOUND, `OCI layout directory ${location.path} does not exist`, { details: { path: location.path } });
  }
  await checkLayoutFile(layout, signal);
  const index = await readLayoutIndex(layout, signal);
  if (index === undefined) {
    const path = join(layout.root, INDEX_FILE);
    throw new S3loError(ErrorCode.NOT_FOUND, `OCI layout ${layout.root} has no ${INDEX_FILE} (${path}): no image was ever committed to it`, {
      details: { path },
    });
  }
  const entry = selectEntry(index, location.tag, layout.root);
  return new OciLayoutSource(description, layout, entry);
}

/** Blob files opened at once by `checkBlobs`. */
const CHECK_CONCURRENCY = 16;

class OciLayoutSource implements ImageSource {
  private closed = false;

  constructor(
    readonly description: string,
    private readonly layout: LayoutDirectory,
    private readonly entry: Descriptor,
  ) {}

  async readManifest(options: CallOptions = {}): Promise<ManifestBytes> {
    const bytes = await this.readDocument(this.entry, 'the manifest', options.signal);
    const path = blobPath(this.layout.root, this.entry.digest);
    let mediaType: string;
    try {
      mediaType = parseManifestDocument(bytes).mediaType;
    } catch (error) {
      throw inFile(error, path);
    }
    // index.json and the document must agree on what it is: a reader that
    // trusts one and a reader that trusts the other must not see different images.
    if (mediaType !== this.entry.mediaType) {
      throw new S3loError(ErrorCode.INVALID_MANIFEST, `${this.description}: index.json says ${this.entry.digest} is ${this.entry.mediaType}, the document says ${mediaType}`, {
        details: { digest: this.entry.digest, indexMediaType: this.entry.mediaType, documentMediaType: mediaType, file: path },
      });
    }
    return { bytes, digest: this.entry.digest, mediaType };
  }

  async readChildManifest(descriptor: Descriptor, options: CallOptions = {}): Promise<Buffer> {
    return this.readDocument(descriptor, 'the child manifest', options.signal);
  }

  async openBlob(descriptor: Descriptor, options: CallOptions = {}): Promise<Readable> {
    const handle = await this.openBlobFile(descriptor, options.signal);
    // The stream owns the handle from here: it closes it on end, error or destroy.
    // 1 MiB reads: a 64 KiB default means 16k reads and hash updates per GiB.
    const stream = handle.createReadStream({ highWaterMark: 1 << 20 });
    if (options.signal !== undefined) addAbortSignal(options.signal, stream);
    return stream;
  }

  /** Every blob is opened once (and closed): inside the layout, a regular file, of its descriptor's size. */
  async checkBlobs(descriptors: readonly Descriptor[], options: CallOptions = {}): Promise<void> {
    await mapConcurrent(descriptors, CHECK_CONCURRENCY, options.signal, async (descriptor) => {
      await (await this.openBlobFile(descriptor, options.signal)).close();
    });
  }

  /** A blob's file, opened as {@link openContainedFile} does, and of the size its descriptor states (SIZE_MISMATCH). */
  private async openBlobFile(descriptor: Descriptor, signal: AbortSignal | undefined): Promise<FileHandle> {
    this.assertOpen();
    const digest = parseDigest(descriptor.digest, 'blob digest');
    const what = `blob ${digest} of ${this.description}`;
    const path = blobPath(this.layout.realRoot, digest);
    const { handle, size } = await openContainedFile(this.layout.realRoot, path, what, signal);
    if (size !== descriptor.size) {
      await handle.close().catch(() => undefined);
      throw new S3loError(ErrorCode.SIZE_MISMATCH, `${what} is ${size} bytes, its descriptor says ${descriptor.size} (${path})`, {
        details: { digest, expected: descriptor.size, actual: size, path },
      });
    }
    return handle;
  }

  async close(): Promise<void> {
    // Nothing is held between calls: blob streams own their file handles.
    this.closed = true;
  }

  /** A manifest or index blob, read whole and verified against its descriptor. */
  private async readDocument(descriptor: Descriptor, role: string, signal: AbortSignal | undefined): Promise<Buffer> {
    this.assertOpen();
    const digest = parseDigest(descriptor.digest, 'manifest digest');
    const what = `${role} ${digest} of ${this.description}`;
    if (descriptor.size > MAX_MANIFEST_BYTES) {
      throw new S3loError(ErrorCode.TOO_LARGE, `${what} is announced as ${descriptor.size} bytes, more than the limit of ${MAX_MANIFEST_BYTES}`, {
        details: { digest, size: descriptor.size, limit: MAX_MANIFEST_BYTES },
      });
    }
    const path = blobPath(this.layout.realRoot, digest);
    const bytes = await readContainedFile(this.layout.realRoot, path, what, MAX_MANIFEST_BYTES, signal);
    // Digest first: any other content, longer or shorter, is a digest mismatch.
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new S3loError(ErrorCode.DIGEST_MISMATCH, `${what} hashes to ${actual}: the file is corrupt or was tampered with (${path})`, {
        details: { expected: digest, actual, path },
      });
    }
    if (bytes.length !== descriptor.size) {
      throw new S3loError(ErrorCode.SIZE_MISMATCH, `${what} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`, {
        details: { digest, expected: descriptor.size, actual: bytes.length, path },
      });
    }
    return bytes;
  }

  private assertOpen(): void {
    if (this.closed) throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${this.description}: the source is closed`);
  }
}
