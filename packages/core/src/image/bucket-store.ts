import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { parseDigest, sha256Digest, type Digest } from '../digest/digest.js';
import { createDigestVerifier, digestOfStream, type StreamDigest } from '../digest/digest-streams.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { throwIfAborted } from '../errors/abort.js';
import { parseManifestDocument, MAX_MANIFEST_BYTES } from '../oci/index.js';
import type { CallOptions, ObjectInfo, PutBody, StorageBackend } from '../storage/backend.js';
import { bodyToStream, readAllCapped } from '../storage/body.js';
import { listDirectObjects } from '../storage/list-all.js';
import { isBucketNotFound } from '../storage/missing-bucket.js';
import { BUCKET_CONFIG_KEY, effectiveImageConfig, readBucketConfig } from '../bucket-config/bucket-config.js';
import { blobKey, signaturesTagKey, tagKey, tagOwnsKey, tagPrefix } from './bucket-layout.js';

/** Options of {@link BucketStore.putBlob} and {@link BucketStore.openBlob}. */
export interface BlobTransferOptions extends CallOptions {
  /** Called with the running byte count. */
  readonly onProgress?: (bytesSoFar: number) => void;
}

/** Options of the calls that change or remove a tag. */
export interface TagChangeOptions extends CallOptions {
  /**
   * Go ahead even when the bucket's `s3lo.yaml` marks the image immutable:
   * replace an existing tag with another image, or delete it.
   * @default false
   */
  readonly force?: boolean;
  /** How messages name the tag (the reference as its user wrote it); `<scheme>://<bucket>/<image>:<tag>` by default. */
  readonly reference?: string;
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
  /**
   * The image store of one bucket.
   * @param backend The bucket, already opened by its plugin; {@link BucketStore.close} closes it.
   */
  constructor(readonly backend: StorageBackend) {}

  /** The stored blob's size and age, or undefined when it is absent. */
  statBlob(digest: string, options: CallOptions = {}): Promise<ObjectInfo | undefined> {
    return this.statObject(blobKey(digest), options);
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

  /**
   * What the stored bytes of a blob hash to, and how many there are, read
   * as a stream (never held in memory); undefined when the blob is absent.
   * Unlike {@link openBlob} a mismatch is no error: `verify` and a push's
   * `verifyExisting` want to know what is there.
   */
  async hashBlob(digest: string, options: BlobTransferOptions = {}): Promise<StreamDigest | undefined> {
    let stream: Readable;
    try {
      stream = await this.backend.get(blobKey(digest), { signal: options.signal });
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
      throw error;
    }
    return digestOfStream(stream, options.onProgress);
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
   *
   * When the bucket's `s3lo.yaml` marks the image immutable (and `force` is
   * not set), an existing tag is never replaced by another image
   * (ALREADY_EXISTS); writing the same bytes again succeeds. Where the
   * backend has `conditionalCreate` the write is create-only, so of two
   * writers racing for a new immutable tag exactly one wins and the other
   * gets ALREADY_EXISTS. Without it the tag is checked, then written: two
   * such writers can still both pass the check (the later write wins).
   */
  async writeTag(image: string, tag: string, manifestBytes: Uint8Array, options: TagChangeOptions = {}): Promise<StoredManifest> {
    const key = tagKey(image, tag);
    const stored = { bytes: Buffer.from(manifestBytes), digest: sha256Digest(manifestBytes) };
    const missing = await this.missingBlobs(manifestBytes, options);
    if (missing.length > 0) {
      throw new S3loError(
        ErrorCode.NOT_FOUND,
        `refusing to tag ${image}:${tag}: ${missing.length} blob(s) it references are not in the bucket (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`,
        { details: { image, tag, missing }, hint: 'upload every blob before writing the tag' },
      );
    }
    const immutable = await this.isImmutable(image, options);
    throwIfAborted(options.signal);
    const put = (ifNoneMatch?: '*') =>
      this.backend.put(key, manifestBytes, {
        size: manifestBytes.length,
        signal: options.signal,
        contentType: parseManifestDocument(manifestBytes).mediaType ?? 'application/json',
        ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
      });
    if (!immutable) {
      await put();
      return stored;
    }
    if (!this.backend.capabilities.conditionalCreate) {
      // No atomic create-if-absent in this store: check, then write.
      if ((await this.readTagIfPresent(image, tag, options)) === undefined) await put();
      await this.checkTagWrite(image, tag, stored.digest, options);
      return stored;
    }
    // Create-only; a tag found there (pushed meanwhile, or the same image
    // pushed again) is fine when it holds these bytes. A tag deleted between
    // the refused create and the read is created again.
    for (let attempt = 1; ; attempt++) {
      try {
        await put('*');
        return stored;
      } catch (error) {
        if (!S3loError.isInstance(error, ErrorCode.ALREADY_EXISTS)) throw error;
      }
      const existing = await this.readTagIfPresent(image, tag, options);
      if (existing?.digest === stored.digest) return stored;
      if (existing !== undefined || attempt === 3) throw immutableTagError(options.reference ?? `${this.describe()}/${image}:${tag}`, image, existing?.digest, stored.digest);
    }
  }

  /**
   * Refuses, before anything is written, a tag write that {@link writeTag}
   * would refuse by policy: the tag exists with another digest and the
   * bucket's `s3lo.yaml` marks the image immutable. A copy calls it before
   * its first blob moves, so a refused push leaves no trace.
   *
   * @throws S3loError ALREADY_EXISTS; INVALID_CONFIG for an `s3lo.yaml`
   *   that cannot be read (fail closed).
   */
  async checkTagWrite(image: string, tag: string, digest: Digest, options: TagChangeOptions = {}): Promise<void> {
    if (!(await this.isImmutable(image, options))) return;
    const existing = await this.readTagIfPresent(image, tag, options);
    if (existing !== undefined && existing.digest !== digest) throw immutableTagError(options.reference ?? `${this.describe()}/${image}:${tag}`, image, existing.digest, digest);
  }

  /** Whether tags of `image` are immutable for this call: never with `force`, else as the bucket's `s3lo.yaml` says (read each time: it may change). */
  private async isImmutable(image: string, options: TagChangeOptions): Promise<boolean> {
    if (options.force === true) return false;
    return effectiveImageConfig(await readBucketConfig(this.backend, this.describe(), options), image).immutable === true;
  }

  private async readTagIfPresent(image: string, tag: string, options: CallOptions): Promise<StoredManifest | undefined> {
    try {
      return await this.readTag(image, tag, options);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
      throw error;
    }
  }

  /**
   * Deletes a tag: exactly the objects it owns ({@link BucketStore.tagObjectKeys}),
   * never its prefix as a whole, which it shares with other images (the
   * prefix of tag `team:app` holds every tag of image `team/app`). Blobs
   * stay for GC. Missing tag: NOT_FOUND. A tag of an image the bucket's
   * `s3lo.yaml` marks immutable is kept (PRECONDITION_FAILED) unless `force`.
   */
  async deleteTag(image: string, tag: string, options: TagChangeOptions = {}): Promise<void> {
    if (await this.isImmutable(image, options)) {
      throw new S3loError(ErrorCode.PRECONDITION_FAILED, `${BUCKET_CONFIG_KEY} marks ${image} immutable: its tags are not deleted`, {
        details: { image, tag },
        hint: 'pass --force to delete it anyway',
      });
    }
    if ((await this.statObject(tagKey(image, tag), options)) === undefined) {
      throw new S3loError(ErrorCode.NOT_FOUND, `image ${image}:${tag} not found in ${this.describe()}`, { details: { image, tag } });
    }
    const keys = await this.tagObjectKeys(image, tag, options);
    const result = await this.backend.deleteMany(keys, options);
    const failure = result.failed[0];
    if (failure !== undefined) throw failure.error;
  }

  /**
   * The keys of the objects a tag owns, by {@link tagOwnsKey}: its
   * `manifest.json`, leftovers beside it (`config.json`, ...) and its
   * signature records. Listed one level at a time (delimiter `/`), so no
   * key of a deeper image is even read.
   */
  async tagObjectKeys(image: string, tag: string, options: CallOptions = {}): Promise<string[]> {
    const prefix = tagPrefix(image, tag);
    const signaturesTagExists = (await this.statObject(signaturesTagKey(image, tag), options)) !== undefined;
    const keys: string[] = [];
    for (const level of [prefix, `${prefix}signatures/`]) {
      for await (const object of listDirectObjects(this.backend, { prefix: level, signal: options.signal })) {
        if (tagOwnsKey(object.key.slice(prefix.length), signaturesTagExists)) keys.push(object.key);
      }
    }
    return keys;
  }

  /** An object's size and age, or undefined when the store says it is absent (NOT_FOUND, never guessed from other failures). */
  async statObject(key: string, options: CallOptions = {}): Promise<ObjectInfo | undefined> {
    try {
      return await this.backend.stat(key, options);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
      throw error;
    }
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

function immutableTagError(reference: string, image: string, existing: Digest | undefined, digest: Digest): S3loError {
  return new S3loError(ErrorCode.ALREADY_EXISTS, `${reference} already exists${existing === undefined ? '' : ` (${existing})`} and ${BUCKET_CONFIG_KEY} marks ${image} immutable`, {
    details: { reference, existing, digest },
    hint: 'push to a new tag, or pass --force to overwrite it',
  });
}
