import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, S3loError } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { httpStatus, noSuchKey, toS3loError } from './errors.js';
import type { ResolvedSettings } from './options.js';

/** Time between two polls of a copy still pending. */
const COPY_POLL_MS = 1000;

/** What one copy needs. */
export interface CopyRequest {
  readonly handle: ClientHandle;
  readonly settings: ResolvedSettings;
  readonly sourceKey: string;
  readonly destinationKey: string;
  readonly signal: AbortSignal | undefined;
}

/**
 * Copy Blob from the source blob's URL, polled until the store reports the
 * copy done (inside one account Azure usually finishes it at once). An
 * abort while polling aborts the copy, so no partial destination remains.
 */
export async function copyBlob(request: CopyRequest): Promise<void> {
  const { handle, settings, sourceKey, destinationKey, signal } = request;
  const container = handle.container;
  const context = { op: 'copy', container: container.containerName, key: destinationKey, endpoint: handle.endpoint, signal };
  const source = container.getBlobClient(sourceKey);
  const destination = container.getBlobClient(destinationKey);
  const tier = settings.accessTier(destinationKey);
  let copyId: string | undefined;
  try {
    const poller = await destination.beginCopyFromURL(source.url, { abortSignal: signal, ...(tier === undefined ? {} : { tier }) });
    copyId = (poller.getOperationState() as { copyId?: string }).copyId;
    // Polled by hand: pollUntilDone takes no signal. Inside one account the
    // copy is usually done at once and the loop never waits.
    while (!poller.isDone()) {
      await sleep(COPY_POLL_MS, undefined, { signal });
      await poller.poll({ abortSignal: signal });
    }
    const result: { copyStatus?: string } = poller.getResult() ?? {};
    if (result.copyStatus !== undefined && result.copyStatus !== 'success') {
      throw new S3loError(ErrorCode.BACKEND_ERROR, `copy ${JSON.stringify(sourceKey)} to ${JSON.stringify(destinationKey)}: the store reports the copy ${result.copyStatus}`, {
        details: { bucket: container.containerName, sourceKey, key: destinationKey, copyStatus: result.copyStatus },
      });
    }
  } catch (error) {
    if (copyId !== undefined && signal?.aborted) {
      await destination.abortCopyFromURL(copyId).catch(() => undefined);
    }
    // The source's 404 (BlobNotFound, CannotVerifyCopySource) names the source.
    if (httpStatus(error) === 404 && !signal?.aborted) {
      const mapped = toS3loError(error, context);
      if (mapped.details['missing'] === 'bucket') throw mapped;
      throw noSuchKey(container.containerName, sourceKey, error);
    }
    throw toS3loError(error, context);
  }
}
