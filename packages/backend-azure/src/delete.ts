import { ErrorCode, S3loError, mapConcurrent } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { noSuchContainer, toS3loError } from './errors.js';

/** Blob Batch's most sub-requests per batch. */
const BATCH_SIZE = 256;
/** Batches of one deleteMany in flight. */
const BATCH_CONCURRENCY = 4;

/**
 * Deletes the keys with Blob Batch requests (256 deletes each). A missing
 * blob counts as deleted; other per-blob failures are returned by key; a
 * missing container or a failed batch request throws.
 */
export async function deleteBlobs(handle: ClientHandle, keys: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, S3loError>> {
  const container = handle.container;
  const name = container.containerName;
  const batchClient = container.getBlobBatchClient();
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_SIZE) batches.push(keys.slice(i, i + BATCH_SIZE));
  const failures = new Map<string, S3loError>();
  await mapConcurrent(batches, BATCH_CONCURRENCY, signal, async (batch) => {
    const clients = batch.map((key) => container.getBlobClient(key));
    let response;
    try {
      response = await batchClient.deleteBlobs(clients, { abortSignal: signal });
    } catch (error) {
      throw toS3loError(error, { op: 'delete', container: name, endpoint: handle.endpoint, signal });
    }
    const keyOfUrl = new Map(clients.map((client, index) => [client.url, batch[index] as string]));
    for (const sub of response.subResponses) {
      if (sub.status >= 200 && sub.status < 300) continue;
      if (sub.errorCode === 'ContainerNotFound') throw noSuchContainer(name);
      if (sub.status === 404) continue;
      const key = keyOfUrl.get(sub._request.url);
      if (key === undefined) {
        throw new S3loError(ErrorCode.BACKEND_ERROR, `delete in container ${JSON.stringify(name)}: the store answered for a blob that was not asked for (${sub._request.url})`);
      }
      const error = Object.assign(new Error(sub.statusMessage), { statusCode: sub.status, code: sub.errorCode, details: { errorCode: sub.errorCode } });
      failures.set(key, toS3loError(error, { op: 'delete', container: name, key, endpoint: handle.endpoint }));
    }
  });
  return failures;
}
