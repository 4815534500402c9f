import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import type { File } from '@google-cloud/storage';
import { abortError } from '@s3lo/core/storage';
import { httpStatus, toS3loError, type ErrorContext } from './errors.js';

/** An empty stream, for ranges that select nothing. */
export function emptyStream(): Readable {
  return Readable.from([], { objectMode: false });
}

/**
 * Opens a read stream of the object (or of `start..end`, inclusive) and
 * resolves once the store answered with the bytes, so a missing key rejects
 * here and not later in the stream. A range that starts at or past the end
 * (HTTP 416) resolves to `undefined`. The stream errors with an abort error
 * when the signal fires while it is read.
 */
export async function openReadStream(file: File, range: { start: number; end: number | undefined } | undefined, context: ErrorContext): Promise<Readable | undefined> {
  const { signal } = context;
  const source = file.createReadStream({
    decompress: false,
    ...(range === undefined ? {} : { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) }),
  });
  let status = 200;
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: unknown): void => reject(error);
      // An abort before GCS answered rejects at once (the request is dropped).
      const onAbortEarly = (): void => reject(abortError(signal as AbortSignal));
      signal?.addEventListener('abort', onAbortEarly, { once: true });
      source.once('close', () => signal?.removeEventListener('abort', onAbortEarly));
      source.once('response', () => signal?.removeEventListener('abort', onAbortEarly));
      source.once('error', onError);
      source.once('response', (response: { statusCode?: number }) => {
        status = response.statusCode ?? 200;
        // onError stays attached until the stream is piped below: an error
        // in between must not go unhandled (a settled promise ignores it).
        if (status < 300) resolve();
        // Otherwise the SDK errors the stream with the status: onError.
      });
      // The SDK sends the request on the first read.
      source.read(0);
    });
  } catch (error) {
    source.destroy();
    if (httpStatus(error) === 416) return undefined;
    throw toS3loError(error, context);
  }
  // The caller gets a plain stream: errors mapped, abort wired. A store
  // that ignores the Range header (HTTP allows it; the firebase-tools
  // emulator does so for a range past the end) answers 200 with the whole
  // object: the range is then cut here.
  const out = range !== undefined && status === 200 ? sliceStream(range.start, range.end) : new PassThrough();
  const onAbort = (): void => {
    if (signal !== undefined) {
      const error = abortError(signal);
      source.destroy(error);
      out.destroy(error);
    }
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  source.on('error', (error: unknown) => out.destroy(toS3loError(error, context)));
  out.once('close', () => {
    signal?.removeEventListener('abort', onAbort);
    source.destroy();
  });
  source.pipe(out);
  if (signal?.aborted) onAbort();
  return out;
}

/** Passes bytes `start..end` (inclusive; to the end when `end` is undefined) of what flows through. */
function sliceStream(start: number, end: number | undefined): Transform {
  let position = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const from = Math.max(start - position, 0);
      const to = end === undefined ? chunk.length : Math.min(end + 1 - position, chunk.length);
      position += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}
