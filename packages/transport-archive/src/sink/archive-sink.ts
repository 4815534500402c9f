import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, S3loError, parseDigest, sha256Digest, throwIfAborted, type Digest } from '@s3lo/core';
import type { ImageSink, ManifestBytes, SinkOutcome, TransferOptions, TransportOpenOptions } from '@s3lo/core/image';
import type { Descriptor } from '@s3lo/core/oci';
import { fsError, type CallOptions } from '@s3lo/core/storage';
import { quote } from '../errors.js';
import { checkTarget } from './archive-target.js';
import { BlobSpool } from './blob-spool.js';

/** Where a sink writes: the archive path, and the spool for its blobs. */
export interface SinkFiles {
  /** The absolute path of the archive to write. */
  readonly target: string;
  readonly spool: BlobSpool;
}

/**
 * Checks the target and creates the spool directory: in `tempDir` when
 * given, else beside the target. (The archive itself is always assembled
 * beside the target, so that its final rename is atomic.)
 */
export async function prepareSinkFiles(path: string, options: TransportOpenOptions): Promise<SinkFiles> {
  throwIfAborted(options.signal);
  const target = await checkTarget(path);
  const parent = typeof options.tempDir === 'string' && options.tempDir !== '' ? options.tempDir : dirname(target);
  try {
    return { target, spool: await BlobSpool.create(parent) };
  } catch (error) {
    // Not "does not exist": a read-only or full directory says so.
    throw fsError(error, `creating a temporary directory in ${quote(parent)} for the archive's blobs`, parent, options.signal);
  }
}

/**
 * What both archive sinks share: blobs go to the spool as they come (in any
 * order, in parallel), nothing is written at the target until `commit`
 * assembles the whole archive into a temporary file and renames it into
 * place, and `close` removes the spool in every case.
 */
export abstract class ArchiveSink implements ImageSink {
  abstract readonly description: string;
  #closed = false;

  protected constructor(
    protected readonly target: string,
    protected readonly spool: BlobSpool,
  ) {}

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    this.checkOpen();
    return this.spool.has(parseDigest(descriptor.digest));
  }

  async writeBlob(descriptor: Descriptor, content: Readable, options: TransferOptions = {}): Promise<void> {
    this.checkOpen();
    const digest = parseDigest(descriptor.digest);
    await this.spool.write(digest, content, { signal: options.signal, onProgress: options.onProgress });
    await this.afterBlobWritten(descriptor, digest, options.signal);
  }

  abstract writeChildManifest(descriptor: Descriptor, bytes: Buffer, options?: CallOptions): Promise<void>;

  async commit(manifest: ManifestBytes, options: CallOptions = {}): Promise<void> {
    this.checkOpen();
    checkBytes(manifest.bytes, manifest.digest, 'the manifest to commit');
    await this.assemble(manifest, options.signal);
  }

  async close(_outcome: SinkOutcome): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Committed or not, the spool is only a means: the archive (if any) is
    // complete and in place, or was never renamed there.
    await this.spool.remove();
  }

  /** A hook for blobs that need more work once spooled (decompressing a layer). */
  protected async afterBlobWritten(_descriptor: Descriptor, _digest: Digest, _signal: AbortSignal | undefined): Promise<void> {}

  /** Writes the archive at the target from the spool: the sink's one visible write. */
  protected abstract assemble(manifest: ManifestBytes, signal: AbortSignal | undefined): Promise<void>;

  protected checkOpen(): void {
    if (this.#closed) throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${this.description}: the sink is closed`);
  }
}

/** DIGEST_MISMATCH unless `bytes` hash to `digest`. */
export function checkBytes(bytes: Buffer, digest: string, what: string): Digest {
  const expected = parseDigest(digest, `the digest of ${what}`);
  const actual = sha256Digest(bytes);
  if (actual !== expected) {
    throw new S3loError(ErrorCode.DIGEST_MISMATCH, `${what} hashes to ${actual}, not ${expected}`, { details: { expected, actual } });
  }
  return expected;
}

/** NOT_FOUND for a blob the image needs that the copy never wrote. */
export function notWritten(digest: string, what: string, description: string): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `${description}: ${what} ${digest} was never written, so the archive would be incomplete`, {
    details: { digest },
  });
}
