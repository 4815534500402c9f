import { setTimeout as sleep } from 'node:timers/promises';
import type { CompletedPart, UploadPartCommandOutput } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, openUploadBody, readPutBody, type PutBody } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { alreadyExists, errorName, httpStatus, toS3loError, type ErrorContext } from './errors.js';
import { MAX_PARTS, partSizeFor, type ResolvedSettings } from './options.js';
import type { MemoryBudget } from './memory-budget.js';
import { PartBuffers, PartReader } from './part-reader.js';

/** What one put needs besides the body. */
export interface UploadRequest {
  readonly handle: ClientHandle;
  readonly settings: ResolvedSettings;
  readonly bucket: string;
  readonly key: string;
  readonly size: number | undefined;
  readonly contentType: string | undefined;
  readonly ifNoneMatch: boolean;
  readonly onProgress: ((bytesSoFar: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  /** The backend's memory for parts beyond each upload's first. */
  readonly budget: MemoryBudget;
}

/** Attempts of a conditional write answered 409 ConditionalRequestConflict (a concurrent write), before giving up. */
const CONFLICT_ATTEMPTS = 3;

/**
 * Writes `body` under the request's key. Up to the multipart threshold the
 * bytes are buffered and sent in one PutObject with a Content-Length (so
 * the SDK can retry it, and a short body is caught before anything is
 * sent); above it (known from the size, or found by reading that far), a
 * multipart upload with equal parts sent in parallel.
 * A failure or an abort aborts the multipart upload before this rejects.
 */
export async function upload(request: UploadRequest, body: PutBody): Promise<void> {
  const { signal, key, size, onProgress } = request;
  const context: ErrorContext = { op: 'put', bucket: request.bucket, key, endpoint: request.handle.endpoint, conditional: request.ifNoneMatch, signal };
  // One controller for everything this put starts: the caller's signal, or
  // our own failure, cancels the body and every request in flight.
  const { source, counter, operation, release } = openUploadBody(body, { key, size, onProgress, signal });
  const reader = new PartReader(counter);
  try {
    const threshold = request.settings.multipartThreshold;
    if (size === undefined || size <= threshold) {
      const head = await readPutBody(() => reader.read(threshold + 1), context);
      if (head.length <= threshold) {
        await putObject(request, head, operation.signal);
        return;
      }
      reader.unshift(head);
    }
    if (request.ifNoneMatch) unsupportedConditional(request);
    await multipartUpload(request, reader, operation, context);
  } catch (error) {
    operation.abort(error);
    await reader.cancel();
    source.destroy();
    if (errorName(error) === 'NoSuchUpload') throw uploadAborted(context, error);
    throw toS3loError(error, context);
  } finally {
    release();
  }
}

/** The multipart upload was aborted under the put (abortPendingUpload, e.g. by a clean that took it for abandoned). */
function uploadAborted(context: ErrorContext, cause: unknown): S3loError {
  return new S3loError(ErrorCode.BACKEND_ERROR, `put ${JSON.stringify(context.key)}: its multipart upload was aborted meanwhile (by a clean that took it for abandoned?)`, {
    cause,
    details: { bucket: context.bucket, key: context.key },
    hint: 'write it again',
  });
}

/** Refuses a conditional put that needs a multipart upload on a store that does not check If-None-Match on its completion. */
function unsupportedConditional(request: UploadRequest): void {
  const { settings, bucket, key } = request;
  if (settings.conditionalMultipart) return;
  throw new S3loError(
    ErrorCode.UNSUPPORTED,
    `put ${JSON.stringify(key)}: a conditional create of more than ${settings.multipartThreshold} bytes needs a multipart upload, and this store is not known to check If-None-Match when completing one`,
    {
      details: { bucket, key, multipartThreshold: settings.multipartThreshold },
      hint: 'raise the multipartThreshold option, or set conditionalMultipart if the store checks it (AWS S3 does)',
    },
  );
}

async function putObject(request: UploadRequest, bytes: Buffer, signal: AbortSignal): Promise<void> {
  const { handle, bucket, key, contentType, ifNoneMatch, settings } = request;
  const storageClass = settings.storageClass(key);
  const command = new handle.sdk.PutObjectCommand({
    Bucket: bucket,
    Key: key,
    Body: bytes,
    ContentLength: bytes.length,
    ...(contentType === undefined ? {} : { ContentType: contentType }),
    ...(storageClass === undefined ? {} : { StorageClass: storageClass as never }),
    ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
  });
  await retryConflicts(ifNoneMatch, signal, () => handle.client.send(command, { abortSignal: signal }));
}

/**
 * A conditional write that met a concurrent one may get 409
 * ConditionalRequestConflict; trying again settles it (412 when the other
 * writer won, success when it failed).
 */
async function retryConflicts<T>(conditional: boolean, signal: AbortSignal, send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const conflict = httpStatus(error) === 409 && errorName(error) === 'ConditionalRequestConflict';
      if (!conditional || !conflict || attempt >= CONFLICT_ATTEMPTS || signal.aborted) throw error;
      await sleep(50 * attempt * (1 + Math.random()), undefined, { signal });
    }
  }
}

async function multipartUpload(request: UploadRequest, reader: PartReader, operation: AbortController, context: ErrorContext): Promise<void> {
  const { handle, bucket, key, contentType, ifNoneMatch, settings, size } = request;
  const { client, sdk } = handle;
  const signal = operation.signal;
  const partSize = partSizeFor(settings.partSize, size);
  const storageClass = settings.storageClass(key);

  if (ifNoneMatch) {
    // Fail fast instead of uploading every part only to have the completion
    // refused; the completion's If-None-Match is what makes it atomic.
    const exists = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }).then(
      () => true,
      (error: unknown) => {
        if (httpStatus(error) === 404) return false;
        throw error;
      },
    );
    if (exists) throw alreadyExists(bucket, key);
  }

  // With WHEN_SUPPORTED the SDK adds a CRC32 to every part; the upload must
  // then be created with that algorithm and completed with each part's value.
  const checksums = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
  const created = await client.send(
    new sdk.CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ...(contentType === undefined ? {} : { ContentType: contentType }),
      ...(storageClass === undefined ? {} : { StorageClass: storageClass as never }),
      ...(checksums ? { ChecksumAlgorithm: 'CRC32' } : {}),
    }),
    { abortSignal: signal },
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new S3loError(ErrorCode.BACKEND_ERROR, `put ${JSON.stringify(key)}: the store started a multipart upload without an UploadId`);

  const parts: CompletedPart[] = [];
  const buffers = new PartBuffers(partSize, request.budget);
  const inFlight = new Set<Promise<void>>();
  const state: { failure?: { error: unknown } } = {};
  try {
    for (let partNumber = 1; ; partNumber++) {
      // At most partConcurrency parts in flight, and no more buffers than
      // the budget pays for: else wait for a part to come back.
      let part: Buffer | undefined;
      for (;;) {
        if (state.failure !== undefined) throw state.failure.error;
        if (inFlight.size < settings.partConcurrency) part = buffers.take({ force: inFlight.size === 0 });
        if (part !== undefined) break;
        await Promise.race(inFlight);
      }
      const buffer = part;
      const bytes = await readPutBody(() => reader.readInto(buffer), context);
      if (bytes.length === 0 && partNumber > 1) break;
      if (partNumber > MAX_PARTS) {
        throw new S3loError(ErrorCode.TOO_LARGE, `put ${JSON.stringify(key)}: the body needs more than ${MAX_PARTS} parts of ${partSize} bytes`, {
          details: { bucket, key, partSize },
          hint: 'pass the size of the body, or raise the partSize option',
        });
      }
      const sent = client
        .send(new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: bytes, ContentLength: bytes.length }), {
          abortSignal: signal,
        })
        .then((output) => {
          parts.push(completedPart(partNumber, output));
        })
        .catch((error: unknown) => {
          state.failure ??= { error };
          operation.abort(error);
        })
        .finally(() => {
          inFlight.delete(sent);
          buffers.give(buffer);
        });
      inFlight.add(sent);
      if (bytes.length < partSize) break;
    }
    await Promise.all(inFlight);
    // (Set by the part callbacks meanwhile; TypeScript's narrowing does not know.)
    const failure = state.failure as { error: unknown } | undefined;
    if (failure !== undefined) throw failure.error;
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await retryConflicts(ifNoneMatch, signal, () =>
      client.send(
        new sdk.CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
        }),
        { abortSignal: signal },
      ),
    );
  } catch (error) {
    // Stop every part still in flight, wait for them, then drop the upload
    // and its parts (storage that is billed but never visible otherwise).
    operation.abort(error);
    await Promise.allSettled(inFlight);
    await abortMultipartUpload(handle, bucket, key, uploadId, error);
    throw error;
  } finally {
    // Every part has settled by now: nothing reads the buffers any more.
    buffers.release();
  }
}

function completedPart(partNumber: number, output: UploadPartCommandOutput): CompletedPart {
  const part: CompletedPart = { PartNumber: partNumber, ETag: output.ETag };
  if (output.ChecksumCRC32 !== undefined) part.ChecksumCRC32 = output.ChecksumCRC32;
  if (output.ChecksumCRC32C !== undefined) part.ChecksumCRC32C = output.ChecksumCRC32C;
  if (output.ChecksumSHA1 !== undefined) part.ChecksumSHA1 = output.ChecksumSHA1;
  if (output.ChecksumSHA256 !== undefined) part.ChecksumSHA256 = output.ChecksumSHA256;
  if (output.ChecksumCRC64NVME !== undefined) part.ChecksumCRC64NVME = output.ChecksumCRC64NVME;
  return part;
}

/**
 * Aborts a multipart upload, deliberately without the caller's (fired)
 * signal. When even that fails, the upload id is attached to the error so
 * it can be cleaned up (or left to a lifecycle rule).
 */
export async function abortMultipartUpload(handle: ClientHandle, bucket: string, key: string, uploadId: string, reason: unknown): Promise<void> {
  try {
    await handle.client.send(new handle.sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (abortFailure) {
    if (httpStatus(abortFailure) === 404) return; // NoSuchUpload: already gone.
    if (S3loError.isInstance(reason)) {
      reason.details['pendingMultipartUpload'] = uploadId;
      reason.details['abortMultipartUploadError'] = errorName(abortFailure);
    } else if (typeof reason === 'object' && reason !== null) {
      (reason as { pendingMultipartUpload?: string }).pendingMultipartUpload = uploadId;
    }
  }
}
