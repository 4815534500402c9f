import { ErrorCode, S3loError, type PendingUpload, type PendingUploadPage } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { errorName, httpStatus, toS3loError, type ErrorContext } from './errors.js';

/**
 * Multipart uploads started and neither completed nor aborted: what a put
 * killed mid-upload leaves behind (its parts are stored, and billed, but no
 * listing shows them). ListMultipartUploads and AbortMultipartUpload; AWS S3
 * and Ceph RGW implement both. A store that answers 501 NotImplemented
 * (s3rver) is reported as UNSUPPORTED.
 */

/** One ListMultipartUploads request, validated. */
export interface PendingUploadsRequest {
  readonly handle: ClientHandle;
  readonly bucket: string;
  readonly prefix: string;
  readonly pageSize: number;
  readonly continuationToken: string | undefined;
  readonly signal: AbortSignal | undefined;
}

interface Cursor {
  readonly v: 1;
  /** The prefix it was issued for. */
  readonly p: string;
  /** KeyMarker and UploadIdMarker of the next page. */
  readonly k: string;
  readonly u?: string;
}

/** One page of pending multipart uploads, in the store's order (by key, then by start time). */
export async function listMultipartUploads(request: PendingUploadsRequest): Promise<PendingUploadPage> {
  const { handle, bucket, prefix, pageSize, signal } = request;
  const cursor = request.continuationToken === undefined ? undefined : decodeCursor(request.continuationToken, prefix);
  const context: ErrorContext = { op: 'list pending uploads', bucket, endpoint: handle.endpoint, signal };
  let output;
  try {
    output = await handle.client.send(
      new handle.sdk.ListMultipartUploadsCommand({
        Bucket: bucket,
        ...(prefix === '' ? {} : { Prefix: prefix }),
        MaxUploads: pageSize,
        ...(cursor === undefined ? {} : { KeyMarker: cursor.k, ...(cursor.u === undefined ? {} : { UploadIdMarker: cursor.u }) }),
      }),
      { abortSignal: signal },
    );
  } catch (error) {
    throw unsupportedOr(error, context);
  }
  const uploads: PendingUpload[] = [];
  for (const upload of output.Uploads ?? []) {
    if (upload.Key === undefined || upload.UploadId === undefined) continue;
    // A store that leaves out the start time gets the epoch: the upload counts as old, never as protected by youth it cannot show.
    uploads.push({ key: upload.Key, id: upload.UploadId, initiated: upload.Initiated ?? new Date(0) });
  }
  const nextKey = output.NextKeyMarker;
  if (output.IsTruncated !== true || nextKey === undefined || nextKey === '') return { uploads };
  const next: Cursor = { v: 1, p: prefix, k: nextKey, ...(output.NextUploadIdMarker ? { u: output.NextUploadIdMarker } : {}) };
  return { uploads, nextToken: Buffer.from(JSON.stringify(next), 'utf8').toString('base64url') };
}

/** Aborts a multipart upload; NoSuchUpload (completed or aborted meanwhile) is not an error. */
export async function abortUpload(handle: ClientHandle, bucket: string, upload: { key: string; id: string }, signal: AbortSignal | undefined): Promise<void> {
  const context: ErrorContext = { op: 'abort pending upload of', bucket, key: upload.key, endpoint: handle.endpoint, signal };
  try {
    await handle.client.send(new handle.sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.id }), { abortSignal: signal });
  } catch (error) {
    if (errorName(error) === 'NoSuchUpload' || (httpStatus(error) === 404 && errorName(error) !== 'NoSuchBucket')) return;
    throw unsupportedOr(error, context);
  }
}

function unsupportedOr(error: unknown, context: ErrorContext): S3loError {
  if (httpStatus(error) === 501 || errorName(error) === 'NotImplemented') {
    return new S3loError(ErrorCode.UNSUPPORTED, `${context.op} in bucket ${JSON.stringify(context.bucket)}: the store does not implement multipart upload listing`, {
      cause: error,
      details: { bucket: context.bucket },
      hint: 'set the pendingUploads option to false for this store',
    });
  }
  return toS3loError(error, context);
}

function decodeCursor(token: string, prefix: string): Cursor {
  const invalid = new S3loError(ErrorCode.INVALID_ARGUMENT, 'the continuation token was not issued by this backend for this listing of pending uploads', {
    hint: 'pass the nextToken of the previous page of the same listing',
  });
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const cursor = value as Partial<Cursor> | null;
  if (typeof cursor !== 'object' || cursor === null || cursor.v !== 1 || cursor.p !== prefix || typeof cursor.k !== 'string' || cursor.k === '') throw invalid;
  if (cursor.u !== undefined && typeof cursor.u !== 'string') throw invalid;
  return cursor as Cursor;
}
