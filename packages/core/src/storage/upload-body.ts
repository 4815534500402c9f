import { pipeline, type Readable } from 'node:stream';
import { abortError } from '../errors/abort.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { PutBody } from './backend.js';
import { bodyToStream, createByteCounter } from './body.js';

/** What {@link openUploadBody} needs from a put. */
export interface UploadBodyOptions {
  /** The key being written, for messages. */
  readonly key: string;
  /** The announced size (see {@link createByteCounter}). */
  readonly size?: number | undefined;
  /** Called with the running byte count. */
  readonly onProgress?: ((bytesSoFar: number) => void) | undefined;
  /** The caller's signal. */
  readonly signal?: AbortSignal | undefined;
}

/** A put's body wired for an upload: see {@link openUploadBody}. */
export interface UploadBody {
  /** The caller's body as a stream. */
  readonly source: Readable;
  /** The body's bytes to read: counted, progress reported, the announced size enforced (SIZE_MISMATCH). */
  readonly counter: ReturnType<typeof createByteCounter>;
  /**
   * One controller for everything the put starts: aborted when the
   * caller's signal fires, and by the backend on its own failure, so
   * every request in flight stops.
   */
  readonly operation: AbortController;
  /** Stops listening to the caller's signal: call once the put is over. */
  release(): void;
}

/**
 * Wires a put's body for an upload: the body runs through a byte counter,
 * and the caller's signal aborts both the counter (ABORTED) and the
 * returned `operation`. A backend reads `counter`, passes
 * `operation.signal` to its requests, and on failure aborts `operation` and
 * destroys `source`.
 *
 * @example
 * ```ts
 * const upload = openUploadBody(body, { key, size, onProgress, signal });
 * try {
 *   const head = await readPutBody(() => reader.read(limit), { bucket, key, signal });
 *   // ... requests with upload.operation.signal
 * } catch (error) {
 *   upload.operation.abort(error);
 *   upload.source.destroy();
 *   throw error;
 * } finally {
 *   upload.release();
 * }
 * ```
 */
export function openUploadBody(body: PutBody, options: UploadBodyOptions): UploadBody {
  const { key, size, onProgress, signal } = options;
  const operation = new AbortController();
  const source = bodyToStream(body);
  const counter = createByteCounter({ size, onProgress, label: `the body of ${JSON.stringify(key)}` });
  pipeline(source, counter, () => undefined);
  const onAbort = (): void => {
    operation.abort(signal?.reason);
    counter.destroy(abortError(signal as AbortSignal));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return { source, counter, operation, release: () => signal?.removeEventListener('abort', onAbort) };
}

/** Where a put was writing, for {@link readPutBody}'s error. */
export interface PutBodyContext {
  readonly bucket: string;
  readonly key?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * `read()`'s bytes; a plain error of the body becomes a BACKEND_ERROR that
 * says reading the body failed (S3loErrors, a digest verifier's
 * DIGEST_MISMATCH or a SIZE_MISMATCH, and errors after an abort pass
 * unchanged).
 *
 * @example
 * ```ts
 * const block = await readPutBody(() => reader.read(blockSize), { bucket, key, signal });
 * ```
 */
export async function readPutBody<T>(read: () => Promise<T>, context: PutBodyContext): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (S3loError.isInstance(error) || context.signal?.aborted) throw error;
    throw new S3loError(ErrorCode.BACKEND_ERROR, `put ${JSON.stringify(context.key)}: reading the body failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      details: { bucket: context.bucket, key: context.key },
    });
  }
}
