import type { Readable } from 'node:stream';
import {
  ErrorCode,
  S3loError,
  STORAGE_CONTRACT_VERSION,
  assertValidKey,
  assertValidPrefix,
  assertBucketName,
  assertPresignLifetime,
  assertPutOptions,
  assertValidRange,
  listArguments,
  deleteResult,
  mapConcurrent,
  pageSizeArgument,
  raceAbort,
  throwIfAborted,
  type BackendCapabilities,
  type CallOptions,
  type DeleteResult,
  type GetOptions,
  type ListOptions,
  type ListPage,
  type ListPendingUploadsOptions,
  type ObjectInfo,
  type PendingUpload,
  type PendingUploadPage,
  type PresignOptions,
  type PutBody,
  type PutOptions,
  type StorageBackend,
} from '@s3lo/core/storage';
import { createClient, type ClientHandle } from './client.js';
import { copyObject } from './copy.js';
import { download, emptyStream } from './download.js';
import { deleteFailure, httpStatus, noSuchBucket, noSuchKey, toS3loError } from './errors.js';
import { MAX_PAGE_SIZE, listPage } from './list.js';
import { resolveSettings, type ResolvedSettings, type S3BackendOptions } from './options.js';
import { MemoryBudget } from './memory-budget.js';
import { abortUpload, listMultipartUploads } from './pending-uploads.js';
import { upload } from './upload.js';

/** DeleteObjects' limit per request. */
const DELETE_BATCH = 1000;
/** DeleteObjects requests of one deleteMany in flight. */
const DELETE_CONCURRENCY = 4;

/**
 * One bucket of Amazon S3 or of an S3-compatible store (`s3://`
 * references), in the layout the Go s3lo writes.
 *
 * Credentials come from the AWS default chain (environment, shared files,
 * SSO, web identity, container and instance roles) unless given. The SDK is
 * imported and the client built on first use; the bucket's region is
 * discovered then when none is configured.
 *
 * Uploads stream: up to `multipartThreshold` bytes go in one PutObject,
 * larger bodies as a multipart upload with equal parts in parallel; a body
 * that fails, a size mismatch or an abort leaves no object and no pending
 * multipart upload. Large downloads are parallel ranged GETs delivered in
 * order with bounded memory.
 *
 * @example
 * ```ts
 * import { S3Backend } from '@s3lo/backend-s3';
 * const backend = new S3Backend('my-images', { region: 'eu-west-1' });
 * await backend.put('blobs/sha256/2c26b4...', layerStream, { size, ifNoneMatch: '*', signal });
 * const stream = await backend.get('blobs/sha256/2c26b4...', { signal });
 * ```
 */
export class S3Backend implements StorageBackend {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly scheme = 's3';
  readonly bucket: string;
  readonly capabilities: BackendCapabilities;

  readonly #options: S3BackendOptions;
  readonly #settings: ResolvedSettings;
  /** Memory for upload parts and download read-ahead, shared by every transfer of this backend. */
  readonly #budget: MemoryBudget;
  /** Downloads whose streams are open: a new one reads in one GET when others run (see download). */
  #openDownloads = 0;
  #handle: Promise<ClientHandle> | undefined;
  #closed = false;
  /** Set once any call reached the bucket: a HEAD 404 then means the key, not the bucket, is missing. */
  #bucketSeen = false;

  /**
   * @param bucket The bucket name.
   * @throws INVALID_ARGUMENT for an empty bucket name or invalid options.
   */
  constructor(bucket: string, options: S3BackendOptions = {}) {
    assertBucketName(bucket, { backend: 's3', scheme: 's3', noun: 'bucket' });
    this.bucket = bucket;
    this.#options = options;
    this.#settings = resolveSettings(options);
    this.#budget = new MemoryBudget(this.#settings.memoryBudget);
    this.capabilities = Object.freeze({
      serverSideCopy: true,
      conditionalCreate: this.#settings.conditionalCreate,
      presignedGet: true,
      pendingUploads: this.#settings.pendingUploads,
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
    const handle = await this.#client(signal);
    try {
      const shared = this.#openDownloads > 0;
      this.#openDownloads++;
      let stream: Readable;
      try {
        stream = await download({ handle, settings: this.#settings, bucket: this.bucket, key, range, signal, budget: this.#budget, shared });
      } catch (error) {
        this.#openDownloads--;
        throw error;
      }
      stream.once('close', () => this.#openDownloads--);
      this.#bucketSeen = true;
      return stream;
    } catch (error) {
      throw this.#seen(error);
    }
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    const { signal, size, ifNoneMatch, contentType, onProgress } = options;
    assertValidKey(key);
    assertPutOptions({ size, ifNoneMatch });
    if (ifNoneMatch === '*' && !this.capabilities.conditionalCreate) {
      throw new S3loError(ErrorCode.UNSUPPORTED, `conditional create is not enabled for bucket ${JSON.stringify(this.bucket)} (its store may ignore If-None-Match)`, {
        details: { bucket: this.bucket, key },
        hint: 'if the store enforces If-None-Match (AWS, MinIO, Ceph RGW, R2), set the conditionalCreate option',
      });
    }
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    await upload({ handle, settings: this.#settings, bucket: this.bucket, key, size, contentType, ifNoneMatch: ifNoneMatch === '*', onProgress, signal, budget: this.#budget }, body);
    this.#bucketSeen = true;
  }

  async stat(key: string, options: CallOptions = {}): Promise<ObjectInfo> {
    const { signal } = options;
    assertValidKey(key);
    throwIfAborted(signal);
    const { client, sdk, endpoint } = await this.#client(signal);
    try {
      const output = await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      this.#bucketSeen = true;
      return { key, size: output.ContentLength ?? 0, lastModified: output.LastModified ?? new Date(0) };
    } catch (error) {
      // A HEAD answer has no body: 404 is the key or the bucket. Ask once.
      if (httpStatus(error) === 404 && !signal?.aborted) {
        if (!(await this.#bucketExists(signal))) throw noSuchBucket(this.bucket, error);
        throw noSuchKey(this.bucket, key, error);
      }
      throw toS3loError(error, { op: 'stat', bucket: this.bucket, key, endpoint, signal });
    }
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const { signal } = options;
    const { prefix, delimiter, pageSize, continuationToken } = listArguments(options, MAX_PAGE_SIZE);
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    const page = await listPage({
      handle,
      bucket: this.bucket,
      prefix,
      delimiter,
      pageSize,
      continuationToken,
      clientSide: this.#settings.clientSideListing,
      signal,
    });
    this.#bucketSeen = true;
    return page;
  }

  async deleteMany(keys: readonly string[], options: CallOptions = {}): Promise<DeleteResult> {
    const { signal } = options;
    for (const key of keys) assertValidKey(key);
    throwIfAborted(signal);
    if (keys.length === 0) return { deleted: [], failed: [] };
    const { client, sdk, endpoint } = await this.#client(signal);
    const unique = [...new Set(keys)];
    // XML parsers of some stores (s3rver) trim a <Key>'s leading and
    // trailing whitespace, deleting another key or none while reporting
    // success: such keys go one by one in the URL instead.
    const fragile = unique.filter((key) => /^\s|\s$/.test(key));
    const batched = unique.filter((key) => !/^\s|\s$/.test(key));
    const batches: string[][] = [];
    for (let i = 0; i < batched.length; i += DELETE_BATCH) batches.push(batched.slice(i, i + DELETE_BATCH));
    const failures = new Map<string, S3loError>();
    await mapConcurrent(batches, DELETE_CONCURRENCY, signal, async (batch) => {
      let output;
      try {
        output = await client.send(new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Quiet: true, Objects: batch.map((Key) => ({ Key })) } }), { abortSignal: signal });
      } catch (error) {
        throw toS3loError(error, { op: 'delete', bucket: this.bucket, endpoint, signal });
      }
      for (const entry of output.Errors ?? []) {
        // Not there is what a delete wants.
        if (entry.Key === undefined || entry.Code === 'NoSuchKey') continue;
        failures.set(entry.Key, deleteFailure(this.bucket, entry.Key, entry.Code, entry.Message));
      }
    });
    await mapConcurrent(fragile, DELETE_CONCURRENCY, signal, async (key) => {
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      } catch (error) {
        const failure = toS3loError(error, { op: 'delete', bucket: this.bucket, key, endpoint, signal });
        if (failure.code === ErrorCode.ABORTED || (failure.code === ErrorCode.NOT_FOUND && failure.details['missing'] === 'bucket')) throw failure;
        if (failure.code !== ErrorCode.NOT_FOUND) failures.set(key, failure);
      }
    });
    this.#bucketSeen = true;
    return deleteResult(keys, (key) => failures.get(key));
  }

  /**
   * Server-side copy (CopyObject; UploadPartCopy in parts above `copyThreshold`, 5 GiB by default): the
   * bytes never pass through this process. The destination gets the
   * configured storage class.
   */
  async copy(sourceKey: string, destinationKey: string, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    assertValidKey(sourceKey);
    assertValidKey(destinationKey);
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    try {
      await copyObject({ handle, settings: this.#settings, bucket: this.bucket, sourceKey, destinationKey, signal });
    } catch (error) {
      // The source's HEAD 404 may be the bucket's (HEAD answers have no body).
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND) && error.details['missing'] !== 'bucket' && !signal?.aborted) {
        if (!(await this.#bucketExists(signal))) throw noSuchBucket(this.bucket, error);
      }
      throw this.#seen(error);
    }
    this.#bucketSeen = true;
  }

  /**
   * A presigned GET URL (SigV4 query signing, no request is made). It stops
   * working at `expiresInSeconds` (at most 7 days) or when the credentials
   * that signed it expire, whichever comes first: with temporary
   * credentials (SSO, roles) that is usually within hours.
   */
  async presignGet(key: string, options: PresignOptions): Promise<string> {
    const { signal, expiresInSeconds } = options;
    assertValidKey(key);
    assertPresignLifetime(expiresInSeconds);
    throwIfAborted(signal);
    const { client, sdk, endpoint } = await this.#client(signal);
    try {
      const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
      const url = await getSignedUrl(client, new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
      throwIfAborted(signal);
      return url;
    } catch (error) {
      throw toS3loError(error, { op: 'presign', bucket: this.bucket, key, endpoint, signal });
    }
  }

  /**
   * Multipart uploads in progress or abandoned (ListMultipartUploads),
   * with their UploadId and start time. Capability `pendingUploads`.
   */
  async listPendingUploads(options: ListPendingUploadsOptions = {}): Promise<PendingUploadPage> {
    const { signal, continuationToken } = options;
    const prefix = options.prefix ?? '';
    assertValidPrefix(prefix);
    const pageSize = pageSizeArgument(options.pageSize, MAX_PAGE_SIZE);
    this.#assertPendingUploads();
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    const page = await listMultipartUploads({ handle, bucket: this.bucket, prefix, pageSize: Math.min(pageSize, MAX_PAGE_SIZE), continuationToken, signal });
    this.#bucketSeen = true;
    return page;
  }

  /** Aborts a multipart upload (AbortMultipartUpload): its parts are freed, a put still sending it fails. Capability `pendingUploads`. */
  async abortPendingUpload(upload: Pick<PendingUpload, 'key' | 'id'>, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    assertValidKey(upload.key);
    if (typeof upload.id !== 'string' || upload.id === '') {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `a pending upload's id is its UploadId, got ${JSON.stringify(upload.id)}`);
    }
    this.#assertPendingUploads();
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    await abortUpload(handle, this.bucket, upload, signal);
    this.#bucketSeen = true;
  }

  #assertPendingUploads(): void {
    if (this.capabilities.pendingUploads) return;
    throw new S3loError(ErrorCode.UNSUPPORTED, `pending uploads are not enabled for bucket ${JSON.stringify(this.bucket)} (its store may not implement ListMultipartUploads)`, {
      details: { bucket: this.bucket },
      hint: 'if the store implements ListMultipartUploads (AWS, Ceph RGW), set the pendingUploads option',
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#handle;
    this.#handle = undefined;
    if (pending === undefined) return;
    const handle = await pending.catch(() => undefined);
    if (handle?.owned) handle.client.destroy();
  }

  /** The client, built on first use (region discovery may make a request). */
  async #client(signal: AbortSignal | undefined): Promise<ClientHandle> {
    if (this.#closed) throw new S3loError(ErrorCode.INVALID_ARGUMENT, `the s3 backend for bucket ${JSON.stringify(this.bucket)} was closed`);
    if (this.#handle === undefined) {
      const pending = createClient(this.bucket, this.#settings, this.#options, undefined);
      this.#handle = pending;
      // A failed start (no network for the region discovery) is retried by the next call.
      pending.catch(() => {
        if (this.#handle === pending) this.#handle = undefined;
      });
    }
    return signal === undefined ? this.#handle : raceAbort(this.#handle, signal);
  }

  /** Whether the bucket exists (HeadBucket), asked at most until the answer is yes. */
  async #bucketExists(signal: AbortSignal | undefined): Promise<boolean> {
    if (this.#bucketSeen) return true;
    const { client, sdk, endpoint } = await this.#client(signal);
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
    } catch (error) {
      if (httpStatus(error) === 404) return false;
      // 403 and the like: the bucket exists (or we cannot tell): report the key.
      if (httpStatus(error) === undefined) throw toS3loError(error, { op: 'stat', bucket: this.bucket, endpoint, signal });
    }
    this.#bucketSeen = true;
    return true;
  }

  /** Marks the bucket as seen unless the error says it is missing. */
  #seen(error: unknown): unknown {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND) && error.details['missing'] !== 'bucket') this.#bucketSeen = true;
    return error;
  }
}
