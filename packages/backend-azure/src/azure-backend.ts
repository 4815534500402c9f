import { Readable } from 'node:stream';
import {
  ErrorCode,
  S3loError,
  STORAGE_CONTRACT_VERSION,
  abortError,
  assertValidKey,
  assertBucketName,
  assertPresignLifetime,
  assertPutOptions,
  assertValidRange,
  listArguments,
  deleteResult,
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
import { authSource, canSign, createClient, endpointOf, type AuthSource, type ClientHandle } from './client.js';
import { copyBlob } from './copy.js';
import { deleteBlobs } from './delete.js';
import { httpStatus, noSuchContainer, noSuchKey, toS3loError } from './errors.js';
import { MAX_PAGE_SIZE, listPage } from './list.js';
import { resolveSettings, type AzureBackendOptions, type ResolvedSettings } from './options.js';
import { upload } from './upload.js';

/**
 * One container of Azure Blob Storage (`az://` references), in the layout
 * the Go s3lo writes.
 *
 * Credentials: a connection string (`AZURE_STORAGE_CONNECTION_STRING`), a
 * SAS or a shared key for an account, or `DefaultAzureCredential` for
 * `AZURE_STORAGE_ACCOUNT` (see {@link AzureBackendOptions}). The SDK is
 * imported and the client built on first use.
 *
 * Uploads are block blobs: a body longer than one block is staged in
 * parallel in blocks of a fixed size and committed at the end, so a failed
 * or aborted upload commits nothing. Conditional creates send
 * `If-None-Match: *`; copies are server-side (Copy Blob, polled to
 * completion); presigned reads are SAS URLs.
 *
 * @example
 * ```ts
 * import { AzureBackend } from '@s3lo/backend-azure';
 * const backend = new AzureBackend('images', { account: 'acme' }); // DefaultAzureCredential
 * await backend.put('blobs/sha256/2c26b4...', layerStream, { size, ifNoneMatch: '*', signal });
 * const stream = await backend.get('blobs/sha256/2c26b4...', { signal });
 * ```
 */
export class AzureBackend implements StorageBackend {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly scheme = 'az';
  readonly bucket: string;
  readonly capabilities: BackendCapabilities;

  readonly #options: AzureBackendOptions;
  readonly #settings: ResolvedSettings;
  readonly #source: AuthSource;
  #handle: Promise<ClientHandle> | undefined;
  #closed = false;
  /** Set once a call reached the container: a HEAD 404 then means the blob, not the container, is missing. */
  #containerSeen = false;

  /**
   * @param container The container name.
   * @throws INVALID_ARGUMENT for an empty container name, invalid options or no account to talk to.
   */
  constructor(container: string, options: AzureBackendOptions = {}) {
    assertBucketName(container, { backend: 'azure', scheme: 'az', noun: 'container' });
    this.bucket = container;
    this.#options = options;
    this.#settings = resolveSettings(options);
    this.#source = authSource(options, process.env);
    this.capabilities = Object.freeze({
      serverSideCopy: true,
      conditionalCreate: true,
      presignedGet: canSign(this.#source),
      // Azure has no upload object to list or abort: see the README.
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
      return Readable.from([]);
    }
    const handle = await this.#client(signal);
    const blob = handle.container.getBlobClient(key);
    let body: NodeJS.ReadableStream | undefined;
    try {
      const response = await blob.download(range?.offset ?? 0, range?.length, { abortSignal: signal, maxRetryRequests: this.#settings.maxAttempts });
      body = response.readableStreamBody;
    } catch (error) {
      // 416: the range starts at or past the end (any range of an empty blob): empty, if the blob exists.
      if (httpStatus(error) === 416 && !signal?.aborted) {
        await this.stat(key, { signal });
        return Readable.from([]);
      }
      throw toS3loError(error, { op: 'get', container: this.bucket, key, endpoint: handle.endpoint, signal });
    }
    this.#containerSeen = true;
    const stream = body === undefined ? Readable.from([]) : (body as Readable);
    if (signal !== undefined) {
      const onAbort = (): void => {
        stream.destroy(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      stream.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    return stream;
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<void> {
    const { signal, size, ifNoneMatch, contentType, onProgress } = options;
    assertValidKey(key);
    assertPutOptions({ size, ifNoneMatch });
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    await upload({ handle, settings: this.#settings, key, size, contentType, ifNoneMatch: ifNoneMatch === '*', onProgress, signal }, body);
    this.#containerSeen = true;
  }

  async stat(key: string, options: CallOptions = {}): Promise<ObjectInfo> {
    const { signal } = options;
    assertValidKey(key);
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    try {
      const properties = await handle.container.getBlobClient(key).getProperties({ abortSignal: signal });
      this.#containerSeen = true;
      return { key, size: properties.contentLength ?? 0, lastModified: properties.lastModified ?? new Date(0) };
    } catch (error) {
      // A HEAD answer has no body: 404 is the blob or the container. Ask once.
      if (httpStatus(error) === 404 && !signal?.aborted) {
        if (!(await this.#containerExists(handle, signal))) throw noSuchContainer(this.bucket, error);
        throw noSuchKey(this.bucket, key, error);
      }
      throw toS3loError(error, { op: 'stat', container: this.bucket, key, endpoint: handle.endpoint, signal });
    }
  }

  async list(options: ListOptions = {}): Promise<ListPage> {
    const { signal } = options;
    const { prefix, delimiter, pageSize, continuationToken } = listArguments(options, MAX_PAGE_SIZE);
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    const page = await listPage({ handle, prefix, delimiter, pageSize, continuationToken, signal });
    this.#containerSeen = true;
    return page;
  }

  async deleteMany(keys: readonly string[], options: CallOptions = {}): Promise<DeleteResult> {
    const { signal } = options;
    for (const key of keys) assertValidKey(key);
    throwIfAborted(signal);
    if (keys.length === 0) return { deleted: [], failed: [] };
    const handle = await this.#client(signal);
    const failures = await deleteBlobs(handle, [...new Set(keys)], signal);
    this.#containerSeen = true;
    return deleteResult(keys, (key) => failures.get(key));
  }

  /**
   * Server-side copy (Copy Blob from the source's URL, polled until the
   * store reports it done): the bytes never pass through this process. The
   * destination gets the configured access tier.
   */
  async copy(sourceKey: string, destinationKey: string, options: CallOptions = {}): Promise<void> {
    const { signal } = options;
    assertValidKey(sourceKey);
    assertValidKey(destinationKey);
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    try {
      await copyBlob({ handle, settings: this.#settings, sourceKey, destinationKey, signal });
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND) && error.details['missing'] !== 'bucket' && !signal?.aborted) {
        if (!(await this.#containerExists(handle, signal))) throw noSuchContainer(this.bucket, error);
      }
      throw error;
    }
    this.#containerSeen = true;
  }

  /**
   * A read-only SAS URL of the blob (no request with a shared key; one
   * request for a user delegation key with DefaultAzureCredential, reused
   * while it lasts). Valid for `expiresInSeconds`, at most 7 days.
   */
  async presignGet(key: string, options: PresignOptions): Promise<string> {
    const { signal, expiresInSeconds } = options;
    assertValidKey(key);
    assertPresignLifetime(expiresInSeconds);
    if (!this.capabilities.presignedGet) {
      throw new S3loError(ErrorCode.UNSUPPORTED, `presigned URLs need an account key or a token credential; container ${JSON.stringify(this.bucket)} is reached with a SAS`, {
        details: { bucket: this.bucket, key },
        hint: 'use a connection string with an AccountKey, AZURE_STORAGE_KEY, or DefaultAzureCredential',
      });
    }
    throwIfAborted(signal);
    const handle = await this.#client(signal);
    try {
      const url = await handle.signBlobUrl(key, new Date(Date.now() + expiresInSeconds * 1000), handle.sdk.BlobSASPermissions.parse('r'));
      throwIfAborted(signal);
      return url;
    } catch (error) {
      throw toS3loError(error, { op: 'presign', container: this.bucket, key, endpoint: handle.endpoint, signal });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #client(signal: AbortSignal | undefined): Promise<ClientHandle> {
    if (this.#closed) throw new S3loError(ErrorCode.INVALID_ARGUMENT, `the azure backend of container ${JSON.stringify(this.bucket)} was closed`);
    if (this.#handle === undefined) {
      const pending = createClient(this.bucket, this.#source, this.#settings, this.#options).catch((error: unknown) => {
        throw toS3loError(error, { op: 'connect', container: this.bucket, endpoint: endpointOf(this.#source), signal });
      });
      this.#handle = pending;
      // A failed start (an import, a credential) is retried by the next call.
      pending.catch(() => {
        if (this.#handle === pending) this.#handle = undefined;
      });
    }
    return this.#handle;
  }

  /** Whether the container exists, asked at most until the answer is yes. */
  async #containerExists(handle: ClientHandle, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.#containerSeen) return true;
    try {
      await handle.container.getProperties({ abortSignal: signal });
    } catch (error) {
      if (httpStatus(error) === 404) return false;
      // 403 and the like: the container exists (or we cannot tell): report the blob.
      if (httpStatus(error) === undefined) throw toS3loError(error, { op: 'stat', container: this.bucket, endpoint: handle.endpoint, signal });
    }
    this.#containerSeen = true;
    return true;
  }
}
