import type { CompletedPart } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, mapConcurrent } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { httpStatus, noSuchKey, toS3loError, type ErrorContext } from './errors.js';
import { partSizeFor, type ResolvedSettings } from './options.js';
import { abortMultipartUpload } from './upload.js';

/**
 * The `x-amz-copy-source` value: the bucket and the key with every path
 * segment percent-encoded (spaces, `+`, `?`, `#`, `%` and non-ASCII text
 * must not reach the store raw; `/` stays a separator).
 */
export function copySource(bucket: string, key: string): string {
  return `${encodeURIComponent(bucket)}/${key.split('/').map(encodeSegment).join('/')}`;
}

function encodeSegment(segment: string): string {
  // encodeURIComponent leaves !'()* alone; S3 signs and decodes them either way,
  // but encoding them too keeps the value unambiguous for every store.
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** What one copy needs. */
export interface CopyRequest {
  readonly handle: ClientHandle;
  readonly settings: ResolvedSettings;
  readonly bucket: string;
  readonly sourceKey: string;
  readonly destinationKey: string;
  readonly signal: AbortSignal | undefined;
}

/**
 * Server-side copy: CopyObject up to `copyThreshold` (5 GiB, CopyObject's
 * limit, by default), UploadPartCopy in equal parts of `copyPartSize` (in
 * parallel, all pinned to the source's ETag) above. The source's HEAD
 * decides NOT_FOUND and the method. A failed or aborted multipart copy is
 * aborted on the store: no destination object, no upload left behind.
 */
export async function copyObject(request: CopyRequest): Promise<void> {
  const { handle, bucket, sourceKey, destinationKey, signal, settings } = request;
  const { client, sdk } = handle;
  const context: ErrorContext = { op: 'copy', bucket, key: sourceKey, endpoint: handle.endpoint, signal };
  const storageClass = settings.storageClass(destinationKey);
  let size: number;
  let etag: string | undefined;
  try {
    const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: sourceKey }), { abortSignal: signal });
    size = head.ContentLength ?? 0;
    etag = head.ETag;
  } catch (error) {
    if (httpStatus(error) === 404) throw noSuchKey(bucket, sourceKey, error);
    throw toS3loError(error, context);
  }
  const source = copySource(bucket, sourceKey);
  if (size <= settings.copyThreshold) {
    try {
      await client.send(
        new sdk.CopyObjectCommand({
          Bucket: bucket,
          Key: destinationKey,
          CopySource: source,
          MetadataDirective: 'COPY',
          ...(storageClass === undefined ? {} : { StorageClass: storageClass as never }),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw toS3loError(error, context);
    }
    return;
  }

  // Equal parts but the last; grown in whole MiB when 10,000 would not cover the object.
  const partSize = partSizeFor(settings.copyPartSize, size);
  let uploadId: string | undefined;
  try {
    const created = await client.send(
      new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: destinationKey, ...(storageClass === undefined ? {} : { StorageClass: storageClass as never }) }),
      { abortSignal: signal },
    );
    uploadId = created.UploadId;
    if (uploadId === undefined) throw new S3loError(ErrorCode.BACKEND_ERROR, `copy ${JSON.stringify(sourceKey)}: the store started a multipart upload without an UploadId`);
    const id = uploadId;
    const ranges = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => [i * partSize, Math.min((i + 1) * partSize, size) - 1] as const);
    const parts = await mapConcurrent(ranges, settings.partConcurrency, signal, async ([from, to], index): Promise<CompletedPart> => {
      const output = await client.send(
        new sdk.UploadPartCopyCommand({
          Bucket: bucket,
          Key: destinationKey,
          UploadId: id,
          PartNumber: index + 1,
          CopySource: source,
          CopySourceRange: `bytes=${from}-${to}`,
          ...(etag === undefined ? {} : { CopySourceIfMatch: etag }),
        }),
        { abortSignal: signal },
      );
      return { PartNumber: index + 1, ETag: output.CopyPartResult?.ETag };
    });
    await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: destinationKey, UploadId: id, MultipartUpload: { Parts: parts } }), { abortSignal: signal });
  } catch (error) {
    if (uploadId !== undefined) await abortMultipartUpload(handle, bucket, destinationKey, uploadId, error);
    throw toS3loError(error, context);
  }
}
