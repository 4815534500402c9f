import { withIndexLock } from './index-lock.js';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createDigestVerifier } from '../../digest/digest-streams.js';
import { digestHex, parseDigest, sha256Digest, type Digest } from '../../digest/digest.js';
import { throwIfAborted } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { isIndexMediaType, isManifestMediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import type { OciLayoutReference } from '../../ref/transport-references.js';
import type { CallOptions } from '../../storage/backend.js';
import type { ImageSink, ManifestBytes, SinkOutcome, TransferOptions } from '../transport.js';
import { syncDirectory, TempFiles, writeFileAtomically } from './atomic-file.js';
import { createDirectories, errnoCode, fsError } from '../../storage/node-fs.js';
import { realPathInside } from './contained-files.js';
import { indexWithEntry } from './index-entries.js';
import { checkLayoutFile, findDirectory, readLayoutIndex, type LayoutDirectory } from './layout-directory.js';
import { blobDirectory, INDEX_FILE, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE, REF_NAME_ANNOTATION } from './layout-files.js';
import { enterOrCreateDirectory, refuseLinksOut } from './layout-links.js';

/**
 * Options of {@link openOciLayoutSink}.
 *
 * @example
 * ```ts
 * const options: OciLayoutSinkOptions = { signal: controller.signal };
 * ```
 */
export interface OciLayoutSinkOptions extends CallOptions {}

/**
 * Opens an OCI image layout directory (`oci:<dir>[:<tag>]`) as an image
 * sink, as skopeo writes one: a new directory becomes a layout, an existing
 * layout gets one more entry and keeps the others.
 *
 * - Nothing is created until the first write, so a copy that fails before
 *   writing leaves no directory behind.
 * - Blobs are written to a temporary file in `blobs/sha256/`, verified
 *   against their digest and size while they stream (the sink declares
 *   `verifiesBlobs`, so the copy hands it source streams as they are),
 *   fsynced, and renamed into place; a wrong or short stream stores nothing.
 * - `index.json` is written only by `commit`, atomically (temporary file and
 *   rename): an aborted copy leaves no entry. Its entry carries the tag as
 *   `org.opencontainers.image.ref.name` and replaces any entry of that name
 *   in place (skopeo instead keeps the old entry with its name removed;
 *   such unnamed leftovers pile up and make `oci:<dir>` ambiguous, so s3lo
 *   drops it; its blobs stay until a `umoci gc`). Without a tag the entry
 *   has no name and replaces only an unnamed entry of the same digest,
 *   exactly as skopeo does; the layout then holds several images if it held
 *   others, and `oci:<dir>` without a tag can no longer pick one.
 * - Manifests are stored byte for byte with their media type, Docker ones
 *   included (skopeo would convert those to OCI, changing the digest;
 *   containerd and go-containerregistry read them as they are, skopeo does not).
 * - `close({ committed: false })` removes temporary files only. Blobs
 *   already written are kept: they are verified and content-addressed, so a
 *   retry reuses them, and without an `index.json` entry nothing looks like
 *   an image. Pre-existing content is never touched.
 * - Sinks committing to one layout at once, in this process or others,
 *   take turns: each commit holds `index.json.lock` (created with O_EXCL)
 *   while it re-reads `index.json` and renames a complete new one over it, so
 *   no committed entry is lost. A lock older than 30 s is taken to be left
 *   by a crashed writer and broken. Blob writes run in parallel.
 *
 * An existing directory must be a layout (have an `oci-layout` file of
 * version 1.x) or be empty: s3lo does not scatter `blobs/` and `index.json`
 * into a directory that holds other things.
 *
 * Nothing is written outside the layout. The directory itself may be a
 * link (it is what the caller named), but inside it `blobs`,
 * `blobs/sha256`, `oci-layout`, `index.json` and blob files that are
 * symbolic links leading out of it (or to nothing) are refused when the
 * sink opens, before anything is written, as the `oci:` source refuses to
 * read through them. Every write goes to the real path of its directory,
 * checked again around each file's creation and rename (see
 * `writeFileAtomically` for the moment that remains).
 *
 * @throws S3loError INVALID_ARGUMENT when the path is a file or a non-empty
 *   directory that is not a layout; INVALID_MANIFEST when the existing
 *   `oci-layout` or `index.json` is malformed (it is never overwritten);
 *   INVALID_KEY for a link leading out of the layout.
 *
 * @example
 * ```ts
 * import { parseTransportReference } from '@s3lo/core/ref';
 * import { openOciLayoutSink } from '@s3lo/core/image';
 * import { oci } from '@s3lo/core';
 *
 * // Copies a single-platform image from any ImageSource, in the contract's order.
 * const location = parseTransportReference('oci:./out:v1');
 * if (location.kind !== 'oci') throw new Error('expected oci:<dir>[:<tag>]');
 * const sink = await openOciLayoutSink(location);
 * let committed = false;
 * try {
 *   const manifest = await source.readManifest();
 *   const { config, layers } = oci.parseImageManifest(manifest.bytes);
 *   for (const blob of [config, ...layers]) {
 *     if (!(await sink.hasBlob(blob))) await sink.writeBlob(blob, await source.openBlob(blob));
 *   }
 *   await sink.commit(manifest);
 *   committed = true;
 * } finally {
 *   await sink.close({ committed });
 * }
 * ```
 */
export async function openOciLayoutSink(location: OciLayoutReference, options: OciLayoutSinkOptions = {}): Promise<ImageSink> {
  const { signal } = options;
  throwIfAborted(signal);
  const description = location.toString();
  const existing = await findDirectory(location.path);
  if (existing !== undefined) {
    await refuseLinksOut(existing.realRoot, description);
    await checkExistingDirectory(existing, signal);
  }
  return new OciLayoutSink(description, resolve(location.path), location.tag);
}

async function checkExistingDirectory(layout: LayoutDirectory, signal: AbortSignal | undefined): Promise<void> {
  let names: string[];
  try {
    names = await readdir(layout.root);
  } catch (error) {
    throw fsError(error, `OCI layout directory ${layout.root}`, layout.root, signal);
  }
  if (names.length === 0) return;
  if (!names.includes(OCI_LAYOUT_FILE)) {
    throw new S3loError(
      ErrorCode.INVALID_ARGUMENT,
      `${layout.root} is neither an OCI image layout (it has no ${OCI_LAYOUT_FILE} file) nor empty; s3lo writes a layout only into a new or empty directory or an existing layout`,
      { details: { path: layout.root }, hint: 'name a new directory, e.g. oci:./out' },
    );
  }
  await checkLayoutFile(layout, signal);
  // Refuse now, before any blob is written, rather than at commit.
  await readLayoutIndex(layout, signal);
}

class OciLayoutSink implements ImageSink {
  /** writeBlob hashes and counts every stream itself, so the copy need not. */
  readonly verifiesBlobs = true;
  private readonly temps = new TempFiles();
  /** Set once the directory, `blobs/sha256/` and `oci-layout` exist. */
  private ready: Promise<WritableLayout> | undefined;
  private closed = false;

  constructor(
    readonly description: string,
    private readonly root: string,
    private readonly tag: string | undefined,
  ) {}

  async hasBlob(descriptor: Descriptor, options: CallOptions = {}): Promise<boolean> {
    this.assertOpen();
    throwIfAborted(options.signal);
    const digest = parseDigest(descriptor.digest, 'blob digest');
    const what = `blob ${digest} of ${this.description}`;
    const path = join(blobDirectory(this.root), digestHex(digest));
    try {
      const realRoot = await realpath(this.root);
      // A blob reached through a link out of the layout is not in it (and is refused, as openOciLayoutSink refuses it).
      const stats = await lstat(await realPathInside(realRoot, path, what));
      // A file of another size is a leftover of some other writer: report it
      // absent, so writeBlob replaces it.
      return stats.isFile() && stats.size === descriptor.size;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return false;
      throw fsError(error, what, path, options.signal);
    }
  }

  async writeBlob(descriptor: Descriptor, content: Readable, options: TransferOptions = {}): Promise<void> {
    this.assertOpen();
    const digest = parseDigest(descriptor.digest, 'blob digest');
    const verifier = createDigestVerifier({ digest, size: descriptor.size, onProgress: options.onProgress });
    const { blobs } = await this.prepare(options.signal);
    await writeFileAtomically({
      dir: blobs,
      name: digestHex(digest),
      streams: [content, verifier],
      what: `blob ${digest} of ${this.description}`,
      temps: this.temps,
      signal: options.signal,
    });
  }

  async writeChildManifest(descriptor: Descriptor, bytes: Buffer, options: CallOptions = {}): Promise<void> {
    this.assertOpen();
    const digest = parseDigest(descriptor.digest, 'manifest digest');
    checkBytes(bytes, digest, descriptor.size, `child manifest ${digest}`);
    await this.writeBytes(digest, bytes, options.signal);
  }

  async commit(manifest: ManifestBytes, options: CallOptions = {}): Promise<void> {
    this.assertOpen();
    const { signal } = options;
    const digest = parseDigest(manifest.digest, 'manifest digest');
    checkBytes(manifest.bytes, digest, manifest.bytes.length, `manifest ${digest}`);
    // index.json entries name images; an artifact type there would hide the image from every reader.
    if (!isManifestMediaType(manifest.mediaType) && !isIndexMediaType(manifest.mediaType)) {
      throw new S3loError(ErrorCode.UNSUPPORTED, `${this.description}: cannot name a ${JSON.stringify(manifest.mediaType)} document in index.json; only image manifests and indexes`, {
        details: { mediaType: manifest.mediaType },
      });
    }
    const { layout, blobs } = await this.prepare(signal);
    if (!(await this.hasBlob({ mediaType: manifest.mediaType, digest, size: manifest.bytes.length }, options))) {
      await this.writeBytes(digest, manifest.bytes, signal);
    }
    // Every blob rename must be durable before index.json names the image.
    await syncDirectory(blobs);
    const entry: Descriptor = {
      mediaType: manifest.mediaType,
      digest,
      size: manifest.bytes.length,
      ...(this.tag === undefined ? {} : { annotations: { [REF_NAME_ANNOTATION]: this.tag } }),
    };
    await withIndexLock(layout.realRoot, signal, async () => {
      // Re-read under the lock: keeps what other writers committed meanwhile.
      const index = indexWithEntry(await readLayoutIndex(layout, signal), entry);
      await writeFileAtomically({
        dir: layout.realRoot,
        name: INDEX_FILE,
        streams: [Readable.from([Buffer.from(JSON.stringify(index))], { objectMode: false })],
        what: `the ${INDEX_FILE} of ${this.description}`,
        temps: this.temps,
        signal,
      });
      await syncDirectory(layout.realRoot);
    });
  }

  async close(_outcome: SinkOutcome): Promise<void> {
    // Committed or not, only temporary files go: see openOciLayoutSink for why blobs stay.
    this.closed = true;
    await this.temps.removeAll();
  }

  /**
   * Creates the directory, `blobs/sha256/` and `oci-layout` on the first
   * write. `oci-layout` is created only when absent, by link(2), so a
   * concurrent sink's file is never replaced and no reader sees it half-written.
   */
  private prepare(signal: AbortSignal | undefined): Promise<WritableLayout> {
    this.ready ??= this.createLayout(signal).catch((error: unknown) => {
      // Let the next write try again rather than repeat a stale failure.
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async createLayout(signal: AbortSignal | undefined): Promise<WritableLayout> {
    throwIfAborted(signal);
    let realRoot: string;
    try {
      await createDirectories(this.root);
      realRoot = await realpath(this.root);
    } catch (error) {
      throw fsError(error, `creating OCI layout ${this.description}`, this.root, signal);
    }
    // One component at a time, by real path: a link swapped in since the sink opened is caught here too.
    const blobsParent = await enterOrCreateDirectory(realRoot, realRoot, 'blobs', `the blobs directory of ${this.description}`);
    const blobs = await enterOrCreateDirectory(realRoot, blobsParent, 'sha256', `the blobs/sha256 directory of ${this.description}`);
    await writeFileAtomically({
      dir: realRoot,
      name: OCI_LAYOUT_FILE,
      streams: [Readable.from([Buffer.from(OCI_LAYOUT_CONTENT)], { objectMode: false })],
      what: `the ${OCI_LAYOUT_FILE} file of ${this.description}`,
      temps: this.temps,
      signal,
      exclusive: true,
    });
    const layout: LayoutDirectory = { root: this.root, realRoot };
    // Another writer may have created the directory meanwhile, with its own oci-layout.
    await checkLayoutFile(layout, signal);
    return { layout, blobs };
  }

  private async writeBytes(digest: Digest, bytes: Buffer, signal: AbortSignal | undefined): Promise<void> {
    const { blobs } = await this.prepare(signal);
    await writeFileAtomically({
      dir: blobs,
      name: digestHex(digest),
      streams: [Readable.from([bytes], { objectMode: false })],
      what: `blob ${digest} of ${this.description}`,
      temps: this.temps,
      signal,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${this.description}: the sink is closed`);
  }
}

/** A layout being written: its directory, and the real path of `blobs/sha256/` inside it. */
interface WritableLayout {
  readonly layout: LayoutDirectory;
  readonly blobs: string;
}

/** Bytes held in memory must be what their descriptor says before they take its digest's name. */
function checkBytes(bytes: Buffer, digest: Digest, size: number, what: string): void {
  const actual = sha256Digest(bytes);
  if (actual !== digest) {
    throw new S3loError(ErrorCode.DIGEST_MISMATCH, `${what} hashes to ${actual}: refusing to store it under ${digest}`, {
      details: { expected: digest, actual },
    });
  }
  if (bytes.length !== size) {
    throw new S3loError(ErrorCode.SIZE_MISMATCH, `${what} is ${bytes.length} bytes, its descriptor says ${size}`, {
      details: { digest, expected: size, actual: bytes.length },
    });
  }
}
