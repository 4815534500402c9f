import type { Readable } from 'node:stream';
import {
  ErrorCode,
  S3loError,
  STORAGE_CONTRACT_VERSION,
  assertValidKey,
  assertBucketName,
  assertPresignLifetime,
  assertPutOptions,
  assertValidRange,
  listArguments,
  deleteResult,
  mapConcurrent,
  raceAbort,
  throwIfAborted,
  type BackendCapabilities,
  type CallOptions,
  type DeleteResult,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type PresignOptions,
  type PutBody,
  type PutOptions,
  type StorageBackend,
} from '@s3lo/core/storage';
import { createClient, type ClientHandle } from './client.js';
import { emptyStream, openReadStream } from './download.js';
import { httpStatus, noSuchBucket, noSuchKey, toS3loError } from './errors.js';
import { MAX_PAGE_SIZE, listPage, objectInfo } from './list.js';
import { resolveSettings, type GcsBackendOptions, type ResolvedSettings } from './options.js';
import { upload } from './upload.js';

/**
 * One bucket of Google Cloud Storage (`gs://` references), in the layout
 * the Go s3lo writes.
 *
 * Credentials are Application Default Credentials unless given; an
 * emulator is reached through `STORAGE_EMULATOR_HOST` or `apiEndpoint`. The
 * SDK is imported and the client built on first use.
 *
 * Uploads stream: up to `resumableThreshold` bytes go in one request with
 * their MD5, larger bodies as a resumable upload sent as they are read; a
 * body that fails, a size mismatch or an abort leaves no object. A
 * conditional create sends `ifGenerationMatch: 0`; `copy` is a server-side
 * rewrite; `presignGet` a V4 signed URL.
 *
 * @example
 * ```ts
 * import { GcsBackend } from '@s3lo/backend-gcs';
 * const backend = new GcsBackend('my-images');
 * await backend.put('blobs/sha256/2c26b4...', layerStream, { size, ifNoneMatch: '*', signal });
 * const stream = await backend.get('blobs/sha256/2c26b4...', { signal });
 * ```
 */
export class GcsBackend implements StorageBackend {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly scheme = 'gs';
  readonly bucket: string;
  readonly capabilities: BackendCapabilities;

  readonly #options: GcsBackendOptions;
  readonly #settings: ResolvedSettings;
  #handle: Promise<ClientHandle> | undefined;
  #closed = false;
  /** Set once a call showed the bucket exists: a 404 then means the key. */
  #bucketSeen = false;

  /**
   * @param bucket The bucket name.
   * @throws INVALID_ARGUMENT for an empty bucket name or invalid options.
   */
  constructor(bucket: string, options: GcsBackendOptions = {}) {
    assertBucketName(bucket, { backend: 'gs', scheme: 'gs', noun: 'bucket' });
    this.bucket = bucket;
    this.#options = options;
    this.#settings = resolveSettings(options);
    this.capabilities = Object.freeze({
      serverSideCopy: true,
      conditionalCreate: this.#settings.conditionalCreate,
      presignedGet: this.#settings.presignedGet,
      pendingUploads: false,
    });
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const { signal, range } = options;
    assertValidKey(key);
    assertValidRange(range);
    throwIfAborted(signal);
    if (range?.length === 0) {
      await this.stat(key, { signal });
      return emptyStream();
    }
    const handle = await this.#client();
    const context = { op: 'get', bucket: this.bucket, key, endpoint: handle.endpoint, signal };
    let stream: Readable | undefined;
    try {
      const byteRange =
        range === undefined || (range.offset === 0 && range.length === undefined)
          ? undefined
          : { start: range.offset, end: range.length === undefined ? undefined : range.offset + range.length - 1 };
      stream = await openReadStream(handle.bucket.file(key), byteRange, context);
    } catch (error) {
      throw await this.#missing(error, key, signal);
    }
    this.#bucketSeen = true;
    // 416: the range starts at or past the end of an object that exists.
    return stream ?? emptyStream();
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    const { signal, size, ifNoneMatch, contentType, onProgress } = options;
    assertValidKey(key);
    assertPutOptions({ size, ifNoneMatch });
    if (ifNoneMatch === '*' && !this.capabilities.conditionalCreate) {
      throw new S3loError(ErrorCode.UNSUPPORTED, `conditional create is not enabled for bucket ${JSON.stringify(this.bucket)} (its store may ignore ifGenerationMatch)`, {
        details: { bucket: this.bucket, key },
        hint: 'if the store enforces ifGenerationMatch (GCS, fake-gcs-server), set the conditionalCreate option',
      });
    }
    throwIfAborted(signal);
    const handle = await this.#client();
    try {
      await upload({ handle, settings: this.#settings, bucket: this.bucket, key, size, contentType, conditional: ifNoneMatch === '*', onProgress, signal }, body);
    } catch (error) {
      throw await this.#missing(error, key, signal);
    }
    this.#bucketSeen = true;
  }

  async stat(key: string, options: CallOptions = {}): Promise<ObjectInfo> {
    const { signal } = options;
    assertValidKey(key);
    throwIfAborted(signal);
    const handle = await this.#client();
    try {
      const [metadata] = await raceAbort(handle.bucket.file(key).getMetadata(), signal);
      throwIfAborted(signal);
      this.#bucketSeen = true;
      return { ...objectInfo({ name: key, metadata }), key };
    } catch (error) {
      throw await this.#missing(toS3loError(error, { op: 'stat', bucket: this.bucket, key, endpoint: handle.endpoint, signal }), key, signal);
    }
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const { signal } = options;
    const { prefix, delimiter, pageSize, continuationToken } = listArguments(options, MAX_PAGE_SIZE);
    throwIfAborted(signal);
    const handle = await this.#client();
    const page = await listPage({
      handle,
      bucket: this.bucket,
      prefix,
      delimiter,
      pageSize,
      continuationToken,
      clientSide: this.#options.clientSideListing === true,
      signal,
    });
    throwIfAborted(signal);
    this.#bucketSeen = true;
    return page;
  }

  /**
   * Deletes the keys with one request each (GCS has no multi-object delete
   * in its JSON API), `deleteConcurrency` at a time. A key already gone is
   * deleted; a 404 while the bucket was never seen is asked about once, so a
   * missing bucket is NOT_FOUND rather than every key "deleted".
   */
  async deleteMany(keys: readonly string[], options: CallOptions = {}): Promise<DeleteResult> {
    const { signal } = options;
    for (const key of keys) assertValidKey(key);
    throwIfAborted(signal);
    if (keys.length === 0) return { deleted: [], failed: [] };
    const handle = await this.#client();
    const failures = new Map<string, S3loError>();
    let sawNotFound = false;
    await mapConcurrent([...new Set(keys)], this.#settings.deleteConcurrency, signal, async (key) => {
      try {
        await handle.bucket.file(key).delete();
      } catch (error) {
        if (httpStatus(error) === 404) {
          sawNotFound = true;
          return;
        }
        const failure = toS3loError(error, { op: 'delete', bucket: this.bucket, key, endpoint: handle.endpoint, signal });
        if (failure.code === ErrorCode.ABORTED) throw failure;
        failures.set(key, failure);
      }
    });
    throwIfAborted(signal);
    if (sawNotFound && !(await this.#bucketExists(handle, signal))) throw noSuchBucket(this.bucket);
    if (failures.size < keys.length) this.#bucketSeen = true;
    return deleteResult(keys, (key) => failures.get(key));
  }

  /**
   * Server-side copy (the JSON API's rewrite, repeated until done for big
   * objects): the bytes never pass through this process.
   */
  async copy(sourceKey: string, destinationKey: string, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    assertValidKey(sourceKey);
    assertValidKey(destinationKey);
    throwIfAborted(signal);
    const handle = await this.#client();
    try {
      await handle.bucket.file(sourceKey).copy(handle.bucket.file(destinationKey));
    } catch (error) {
      throw await this.#missing(toS3loError(error, { op: 'copy', bucket: this.bucket, key: sourceKey, endpoint: handle.endpoint, signal }), sourceKey, signal);
    }
    throwIfAborted(signal);
    this.#bucketSeen = true;
  }

  /**
   * A V4 signed GET URL, signed by the credentials (a service account
   * key signs locally; other identities through IAM's signBlob). Valid up to
   * 7 days. Credentials that cannot sign give PERMISSION_DENIED.
   */
  async presignGet(key: string, options: PresignOptions): Promise<string> {
    const { signal, expiresInSeconds } = options;
    assertValidKey(key);
    assertPresignLifetime(expiresInSeconds);
    if (!this.capabilities.presignedGet) {
      throw new S3loError(ErrorCode.UNSUPPORTED, `signed URLs are not enabled for bucket ${JSON.stringify(this.bucket)}`, {
        details: { bucket: this.bucket, key },
        hint: 'use credentials that can sign (a service account key) and leave the presignedGet option unset',
      });
    }
    throwIfAborted(signal);
    const handle = await this.#client();
    try {
      const [url] = await handle.bucket.file(key).getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + expiresInSeconds * 1000 });
      throwIfAborted(signal);
      return url;
    } catch (error) {
      if (S3loError.isInstance(error)) throw error;
      throw new S3loError(ErrorCode.PERMISSION_DENIED, `presign ${JSON.stringify(key)}: the credentials cannot sign a URL`, {
        cause: error,
        details: { bucket: this.bucket, key },
        hint: 'use a service account key (GOOGLE_APPLICATION_CREDENTIALS or keyFilename), or allow iam.serviceAccounts.signBlob',
      });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handle = undefined;
  }

  /** The client, built on first use. */
  async #client(): Promise<ClientHandle> {
    if (this.#closed) throw new S3loError(ErrorCode.INVALID_ARGUMENT, `the gs backend for bucket ${JSON.stringify(this.bucket)} was closed`);
    if (this.#handle === undefined) {
      const pending = createClient(this.bucket, this.#settings, this.#options);
      this.#handle = pending;
      pending.catch(() => {
        if (this.#handle === pending) this.#handle = undefined;
      });
    }
    return this.#handle;
  }

  /**
   * A key's NOT_FOUND becomes the bucket's when the bucket is missing: a
   * 404's body says which only in its text, so the bucket is asked about
   * (once, until it is seen).
   */
  async #missing(error: unknown, key: string, signal: AbortSignal | undefined): Promise<unknown> {
    if (!S3loError.isInstance(error, ErrorCode.NOT_FOUND) || error.details['missing'] === 'bucket' || signal?.aborted) return error;
    const handle = await this.#client();
    if (!(await this.#bucketExists(handle, signal))) return noSuchBucket(this.bucket, error);
    return error.details['key'] === key ? error : noSuchKey(this.bucket, key, error);
  }

  /**
   * Whether the bucket exists: a one-object listing, which needs only the
   * permission listings need anyway and answers 404 for a missing bucket.
   */
  async #bucketExists(handle: ClientHandle, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.#bucketSeen) return true;
    try {
      await handle.bucket.getFiles({ autoPaginate: false, maxResults: 1 });
    } catch (error) {
      if (httpStatus(error) === 404) return false;
      throw toS3loError(error, { op: 'list', bucket: this.bucket, endpoint: handle.endpoint, signal });
    }
    this.#bucketSeen = true;
    return true;
  }
}
