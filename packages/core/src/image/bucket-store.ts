import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { parseDigest, sha256Digest, type Digest } from '../digest/digest.js';
import { createDigestVerifier } from '../digest/digest-streams.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { throwIfAborted } from '../errors/abort.js';
import { parseManifestDocument, MAX_MANIFEST_BYTES } from '../oci/index.js';
import type { CallOptions, ObjectInfo, PutBody, StorageBackend } from '../storage/backend.js';
import { bodyToStream, readAllCapped } from '../storage/body.js';
import { listAll } from '../storage/list-all.js';
import { isBucketNotFound } from '../storage/missing-bucket.js';
import { blobKey, tagKey, tagPrefix } from './bucket-layout.js';

/** Options of {@link BucketStore.putBlob} and {@link BucketStore.openBlob}. */
export interface BlobTransferOptions extends CallOptions {
  /** Called with the running byte count. */
  readonly onProgress?: (bytesSoFar: number) => void;
}

/** A tag's stored bytes and the image digest they define. */
export interface StoredManifest {
  /** The exact bytes of `manifest.json` (never re-serialised). */
  readonly bytes: Buffer;
  /** sha256 of `bytes`: the image digest. */
  readonly digest: Digest;
}

/**
 * An s3lo bucket on top of any {@link StorageBackend}: the one place that
 * knows the bucket format's keys and its write order.
 *
 * - Blobs are verified against their digest while they stream, both ways; a
 *   blob that does not hash to its digest is never stored and never handed on.
 * - {@link BucketStore.writeTag} checks that every blob the manifest reaches
 *   (config, layers; for an index each child manifest and its blobs) is in
 *   the bucket before it writes the tag in one PUT. So whatever a caller
 *   does, a reader sees either no tag or a tag whose blobs all exist.
 *
 * @example
 * ```ts
 * const store = new BucketStore(await resolveBackend(target));
 * await store.putBlob(configDigest, configBytes.length, configBytes, { signal });
 * await store.putBlob(layerDigest, layerSize, createReadStream(layerPath), { signal });
 * await store.writeTag('team/app', 'v1', manifestBytes, { signal });
 * ```
 */
export class BucketStore {
  constructor(readonly backend: StorageBackend) {}

  /** The stored blob's size and age, or undefined when it is absent. */
  async statBlob(digest: string, options: CallOptions = {}): Promise<ObjectInfo | undefined> {
    try {
      return await this.backend.stat(blobKey(digest), options);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
      throw error;
    }
  }

  /**
   * Stores a blob, verifying while it streams that the bytes hash to
   * `digest` and number `size`. On a mismatch the upload fails and nothing
   * is stored under the digest's key.
   */
  async putBlob(digest: string, size: number, body: PutBody, options: BlobTransferOptions = {}): Promise<void> {
    const key = blobKey(digest);
    const verified = verify(bodyToStream(body), digest, size, options.onProgress);
    await this.backend.put(key, verified, { size, signal: options.signal, contentType: 'application/octet-stream' });
  }

  /**
   * Streams a blob, verifying it against `digest` (and `size` when given):
   * the stream fails with DIGEST_MISMATCH / SIZE_MISMATCH instead of ending
   * when the bucket holds something else. Missing: NOT_FOUND.
   */
  async openBlob(digest: string, size: number | undefined, options: BlobTransferOptions = {}): Promise<Readable> {
    const source = await this.backend.get(blobKey(digest), { signal: options.signal });
    return verify(source, digest, size, options.onProgress);
  }

  /** A small blob (a child manifest, a config) read whole, verified, capped at `maxBytes`. */
  async readBlob(digest: string, maxBytes: number, options: CallOptions = {}): Promise<Buffer> {
    const stream = await this.openBlob(digest, undefined, options);
    return readAllCapped(stream, maxBytes, `blob ${digest}`);
  }

  /** The bytes of a tag. Missing tag: NOT_FOUND naming image and tag. */
  async readTag(image: string, tag: string, options: CallOptions = {}): Promise<StoredManifest> {
    let stream: Readable;
    try {
      stream = await this.backend.get(tagKey(image, tag), options);
    } catch (error) {
      // A missing bucket says so itself: "image not found" would send the user looking for a tag.
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND) && !isBucketNotFound(error)) {
        throw new S3loError(ErrorCode.NOT_FOUND, `image ${image}:${tag} not found in ${this.describe()}`, {
          cause: error,
          details: { image, tag },
        });
      }
      throw error;
    }
    const bytes = await readAllCapped(stream, MAX_MANIFEST_BYTES, `manifest of ${image}:${tag}`);
    return { bytes, digest: sha256Digest(bytes) };
  }

  /**
   * Writes the tag: `manifestBytes` stored verbatim as
   * `manifests/<image>/<tag>/manifest.json`, in one write, **after** checking
   * that every blob the manifest reaches is present. Fails with NOT_FOUND
   * (listing the missing digests) and writes nothing otherwise.
   */
  async writeTag(image: string, tag: string, manifestBytes: Uint8Array, options: CallOptions = {}): Promise<StoredManifest> {
    const key = tagKey(image, tag);
    const missing = await this.missingBlobs(manifestBytes, options);
    if (missing.length > 0) {
      throw new S3loError(
        ErrorCode.NOT_FOUND,
        `refusing to tag ${image}:${tag}: ${missing.length} blob(s) it references are not in the bucket (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`,
        { details: { image, tag, missing }, hint: 'upload every blob before writing the tag' },
      );
    }
    throwIfAborted(options.signal);
    await this.backend.put(key, manifestBytes, {
      size: manifestBytes.length,
      signal: options.signal,
      contentType: parseManifestDocument(manifestBytes).mediaType ?? 'application/json',
    });
    return { bytes: Buffer.from(manifestBytes), digest: sha256Digest(manifestBytes) };
  }

  /**
   * Deletes a tag and everything under its prefix (leftover `config.json`,
   * signatures). Blobs stay for GC. Missing tag: NOT_FOUND.
   */
  async deleteTag(image: string, tag: string, options: CallOptions = {}): Promise<void> {
    const prefix = tagPrefix(image, tag);
    try {
      await this.backend.stat(tagKey(image, tag), options);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) {
        throw new S3loError(ErrorCode.NOT_FOUND, `image ${image}:${tag} not found in ${this.describe()}`, { cause: error });
      }
      throw error;
    }
    const keys: string[] = [];
    for await (const object of listAll(this.backend, { prefix, signal: options.signal })) keys.push(object.key);
    const result = await this.backend.deleteMany(keys, options);
    const failure = result.failed[0];
    if (failure !== undefined) throw failure.error;
  }

  /** The digests reachable from a manifest or index that are not in the bucket. */
  private async missingBlobs(manifestBytes: Uint8Array, options: CallOptions): Promise<Digest[]> {
    const document = parseManifestDocument(manifestBytes);
    const missing: Digest[] = [];
    const manifests = [];
    if (document.kind === 'manifest') {
      manifests.push(document.manifest);
    } else {
      for (const child of document.index.manifests) {
        const childDigest = parseDigest(child.digest);
        if ((await this.statBlob(childDigest, options)) === undefined) {
          missing.push(childDigest);
          continue;
        }
        const childDocument = parseManifestDocument(await this.readBlob(childDigest, MAX_MANIFEST_BYTES, options));
        if (childDocument.kind !== 'manifest') {
          throw new S3loError(ErrorCode.INVALID_MANIFEST, `child ${childDigest} of the index is itself an index; nested indexes are not supported`);
        }
        manifests.push(childDocument.manifest);
      }
    }
    const required = new Set(manifests.flatMap((m) => [m.config, ...m.layers].map((d) => parseDigest(d.digest))));
    for (const digest of required) {
      throwIfAborted(options.signal);
      if ((await this.statBlob(digest, options)) === undefined) missing.push(digest);
    }
    return missing;
  }

  /** Releases the backend's connections and handles. */
  async close(): Promise<void> {
    await this.backend.close?.();
  }

  /** `scheme://bucket`, for messages. */
  describe(): string {
    return `${this.backend.scheme}://${this.backend.bucket}`;
  }
}

function verify(source: Readable, digest: string, size: number | undefined, onProgress?: (n: number) => void): Readable {
  const verifier = createDigestVerifier({ digest, size, onProgress });
  // pipeline forwards a source failure to the verifier, so the consumer sees
  // one stream that either ends verified or errors.
  pipeline(source, verifier, () => {});
  return verifier;
}
