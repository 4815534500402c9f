import { randomBytes } from 'node:crypto';
import { ErrorCode, S3loError, openUploadBody, readPutBody, type PutBody } from '@s3lo/core/storage';
import { BlockReader } from './block-reader.js';
import type { ClientHandle } from './client.js';
import { alreadyExists, azureCode, httpStatus, toS3loError, type ErrorContext } from './errors.js';
import { MAX_BLOCKS, type ResolvedSettings } from './options.js';

/** What one put needs besides the body. */
export interface UploadRequest {
  readonly handle: ClientHandle;
  readonly settings: ResolvedSettings;
  readonly key: string;
  readonly size: number | undefined;
  readonly contentType: string | undefined;
  readonly ifNoneMatch: boolean;
  readonly onProgress: ((bytesSoFar: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Writes `body` as a block blob. A body of at most one block goes in one
 * Put Blob; a longer one is staged block by block (`blockConcurrency` in
 * flight) and becomes visible only when the block list is committed, after
 * the whole body was read and its size checked: a failure or an abort
 * before that commits nothing (the staged blocks stay uncommitted, and
 * Azure discards them within 7 days, or at the next commit of that name).
 * A conditional create sends `If-None-Match: *` with the Put Blob or the
 * commit, which is what makes it atomic.
 */
export async function upload(request: UploadRequest, body: PutBody): Promise<void> {
  const { signal, key, size, onProgress, handle } = request;
  const context: ErrorContext = { op: 'put', container: handle.container.containerName, key, endpoint: handle.endpoint, conditional: request.ifNoneMatch, signal };
  // One controller for everything this put starts: the caller's signal, or
  // our own failure, cancels the body and every request in flight.
  const { source, counter, operation, release } = openUploadBody(body, { key, size, onProgress, signal });
  const reader = new BlockReader(counter);
  try {
    const { blockSize } = request.settings;
    const first = await readPutBody(() => reader.read(blockSize), { ...context, bucket: context.container });
    const second = first.length < blockSize ? Buffer.alloc(0) : await readPutBody(() => reader.read(blockSize), { ...context, bucket: context.container });
    if (second.length === 0) {
      await putBlob(request, first, operation.signal);
      return;
    }
    await stageAndCommit(request, reader, [first, second], operation, context);
  } catch (error) {
    operation.abort(error);
    await reader.cancel();
    source.destroy();
    throw toS3loError(error, context);
  } finally {
    release();
  }
}

function writeOptions(request: UploadRequest, signal: AbortSignal) {
  const tier = request.settings.accessTier(request.key);
  return {
    abortSignal: signal,
    ...(request.contentType === undefined ? {} : { blobHTTPHeaders: { blobContentType: request.contentType } }),
    ...(tier === undefined ? {} : { tier }),
    ...(request.ifNoneMatch ? { conditions: { ifNoneMatch: '*' } } : {}),
  };
}

async function putBlob(request: UploadRequest, bytes: Buffer, signal: AbortSignal): Promise<void> {
  const blob = request.handle.container.getBlockBlobClient(request.key);
  await blob.upload(bytes, bytes.length, writeOptions(request, signal));
}

/** Block ids: one random prefix per upload (two writers of one name never share ids) and the block's index, all of one length as Azure requires. */
function blockId(prefix: string, index: number): string {
  return Buffer.from(`${prefix}-${String(index).padStart(6, '0')}`).toString('base64');
}

async function stageAndCommit(request: UploadRequest, reader: BlockReader, firstBlocks: Buffer[], operation: AbortController, context: ErrorContext): Promise<void> {
  const { handle, key, settings } = request;
  const signal = operation.signal;
  const blob = handle.container.getBlockBlobClient(key);
  if (request.ifNoneMatch && (await blob.exists({ abortSignal: signal }))) {
    // Fail fast instead of staging every block only to have the commit refused.
    throw alreadyExists(handle.container.containerName, key);
  }
  const prefix = randomBytes(8).toString('hex');
  const ids: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const state: { failure?: { error: unknown } } = {};
  const pending = [...firstBlocks];
  /** The store's clock when the first block was staged: a commit of this name after it discards our blocks. */
  let firstStaged: Date | undefined;
  try {
    for (let index = 0; ; index++) {
      while (inFlight.size >= settings.blockConcurrency) await Promise.race(inFlight);
      if (state.failure !== undefined) throw state.failure.error;
      const block = pending.shift() ?? (await readPutBody(() => reader.read(settings.blockSize), { ...context, bucket: context.container }));
      if (block.length === 0) break;
      if (index >= MAX_BLOCKS) {
        throw new S3loError(ErrorCode.TOO_LARGE, `put ${JSON.stringify(key)}: the body needs more than ${MAX_BLOCKS} blocks of ${settings.blockSize} bytes`, {
          details: { bucket: context.container, key, blockSize: settings.blockSize },
          hint: 'raise the blockSize option',
        });
      }
      const id = blockId(prefix, index);
      ids.push(id);
      const staged = blob
        .stageBlock(id, block, block.length, { abortSignal: signal })
        .then((response) => {
          if (response.date !== undefined && (firstStaged === undefined || response.date < firstStaged)) firstStaged = response.date;
        })
        .catch((error: unknown) => {
          state.failure ??= { error };
          operation.abort(error);
        })
        .finally(() => inFlight.delete(staged));
      inFlight.add(staged);
      if (block.length < settings.blockSize) break;
    }
    await Promise.all(inFlight);
    const failure = state.failure as { error: unknown } | undefined;
    if (failure !== undefined) throw failure.error;
    try {
      await blob.commitBlockList(ids, writeOptions(request, signal));
    } catch (error) {
      if (!(await supersededCommit(request, error, firstStaged, signal))) throw error;
    }
  } catch (error) {
    operation.abort(error);
    await Promise.allSettled(inFlight);
    throw error;
  }
}

/**
 * Whether a commit refused with InvalidBlockList lost to another writer of
 * the same name. Azure discards every uncommitted block of a blob when any
 * writer commits it (Put Block List, Put Blob), so of concurrent staged
 * uploads of one key only the first to commit finds its blocks. When the
 * blob was written at or after our first block was staged (the store's own
 * clock, to the second), another writer committed meanwhile: our put is
 * ordered before theirs and the blob holds their whole content, which is
 * what concurrent puts of one key may leave. A conditional create that lost
 * this way is ALREADY_EXISTS; anything else stays an error.
 */
async function supersededCommit(request: UploadRequest, error: unknown, firstStaged: Date | undefined, signal: AbortSignal): Promise<boolean> {
  if (httpStatus(error) !== 400 || azureCode(error) !== 'InvalidBlockList' || firstStaged === undefined || signal.aborted) return false;
  const { handle, key } = request;
  let lastModified: Date | undefined;
  try {
    lastModified = (await handle.container.getBlobClient(key).getProperties({ abortSignal: signal })).lastModified;
  } catch {
    return false;
  }
  if (lastModified === undefined || lastModified.getTime() < firstStaged.getTime()) return false;
  if (request.ifNoneMatch) throw alreadyExists(handle.container.containerName, key, error);
  return true;
}
