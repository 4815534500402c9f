import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { ListPendingUploadsOptions, PendingUpload, StorageBackend } from './backend.js';

/** True when the backend declares the `pendingUploads` capability and has both of its methods. */
export function supportsPendingUploads(backend: StorageBackend): backend is StorageBackend & Required<Pick<StorageBackend, 'listPendingUploads' | 'abortPendingUpload'>> {
  return backend.capabilities.pendingUploads === true && backend.listPendingUploads !== undefined && backend.abortPendingUpload !== undefined;
}

/**
 * Every pending upload under `prefix`, page after page (capability
 * `pendingUploads`).
 *
 * @throws S3loError UNSUPPORTED when the backend does not declare the capability.
 *
 * @example
 * ```ts
 * for await (const upload of listAllPendingUploads(backend, { prefix: 'blobs/', signal })) {
 *   if (Date.now() - upload.initiated.getTime() > DAY) await backend.abortPendingUpload?.(upload, { signal });
 * }
 * ```
 */
export async function* listAllPendingUploads(backend: StorageBackend, options: Omit<ListPendingUploadsOptions, 'continuationToken'> = {}): AsyncGenerator<PendingUpload> {
  if (!supportsPendingUploads(backend)) {
    throw new S3loError(ErrorCode.UNSUPPORTED, `the ${backend.scheme} backend cannot list pending uploads`, { details: { scheme: backend.scheme } });
  }
  let continuationToken: string | undefined;
  do {
    const page = await backend.listPendingUploads({ ...options, continuationToken });
    yield* page.uploads;
    continuationToken = page.nextToken;
  } while (continuationToken !== undefined);
}
