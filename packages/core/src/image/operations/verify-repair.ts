import type { Digest } from '../../digest/digest.js';
import { throwIfAborted } from '../../errors/abort.js';
import { blobKey } from '../bucket-layout.js';
import type { BucketStore } from '../bucket-store.js';
import { startGcRun } from '../gc-runs.js';
import type { VerifyRepair } from './verify-result.js';

/**
 * Deletes blobs found corrupt, so that the next push uploads them again
 * (a push skips a blob that is present with the right size).
 *
 * Only a blob whose bytes do not hash to its key is ever deleted, and each
 * is hashed again right before its delete. The whole repair runs under a
 * GC-run marker (`gc-runs.ts`), because the race that matters is a push
 * writing the right bytes over the corrupt ones while we decide:
 *
 * - a push whose blob write completed before the marker was written is seen
 *   by the re-hash (which starts after the marker): the blob is sound and
 *   is kept (`rewritten`);
 * - a push whose blob write completes later reaches its tag write after the
 *   marker was written, so it waits for the marker to go, re-checks its
 *   blobs, and uploads again any this repair deleted before writing its tag.
 *
 * What remains: a writer that does not take part in the handshake (the Go
 * s3lo, or an s3lo older than GC-run markers) and rewrites the blob between
 * the re-hash and the delete loses that write; its tag then lacks the blob
 * until the next push. While the repair runs, pushes about to write a tag
 * wait for it, as they wait for a GC.
 */
export async function deleteCorruptBlobs(store: BucketStore, digests: readonly Digest[], signal: AbortSignal | undefined): Promise<Omit<VerifyRepair, 'brokenUntilPush'>> {
  const deleted: Digest[] = [];
  const skipped: VerifyRepair['skipped'][number][] = [];
  if (digests.length === 0) return { deleted, skipped };
  const run = await startGcRun(store, { signal });
  try {
    for (const digest of digests) {
      throwIfAborted(signal);
      await run.refresh({ signal });
      const now = await store.hashBlob(digest, { signal });
      if (now === undefined) {
        skipped.push({ digest, reason: 'gone' });
        continue;
      }
      if (now.digest === digest) {
        skipped.push({ digest, reason: 'rewritten' });
        continue;
      }
      const result = await store.backend.deleteMany([blobKey(digest)], { signal });
      const failure = result.failed[0];
      if (failure === undefined) deleted.push(digest);
      else skipped.push({ digest, reason: 'delete-failed', message: failure.error.message });
    }
  } finally {
    await run.finish();
  }
  return { deleted, skipped };
}
