import { Readable, Transform, type TransformCallback } from 'node:stream';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { PutBody } from './backend.js';

/**
 * A put body as a Node stream: streams pass through, async iterables are
 * wrapped, bytes in memory become a one-chunk stream.
 */
export function bodyToStream(body: PutBody): Readable {
  if (body instanceof Readable) return body;
  if (body instanceof Uint8Array) return Readable.from([body], { objectMode: false });
  return Readable.from(body, { objectMode: false });
}

/** Options of {@link createByteCounter}. */
export interface ByteCounterOptions {
  /** The announced size: more bytes fail at once, fewer fail at the end. */
  readonly size?: number | undefined;
  /** Called with the running byte count. */
  readonly onProgress?: ((bytesSoFar: number) => void) | undefined;
  /** What the bytes are, for messages (usually the key). */
  readonly label?: string;
}

/**
 * A pass-through stream that counts bytes, reports progress and enforces an
 * announced size (SIZE_MISMATCH), failing before the end is signalled so a
 * backend that commits on end never commits a short or long object.
 */
export function createByteCounter(options: ByteCounterOptions = {}): Transform & { readonly bytes: number } {
  const { size, onProgress, label = 'body' } = options;
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (size !== undefined && bytes > size) {
        callback(mismatch(label, size, `more than ${size}`));
        return;
      }
      onProgress?.(bytes);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (size !== undefined && bytes !== size) callback(mismatch(label, size, String(bytes)));
      else callback();
    },
  });
  Object.defineProperty(stream, 'bytes', { get: () => bytes });
  return stream as Transform & { readonly bytes: number };
}

function mismatch(label: string, expected: number, actual: string): S3loError {
  return new S3loError(ErrorCode.SIZE_MISMATCH, `${label} was ${actual} bytes, announced as ${expected}`, {
    details: { expected, actual },
  });
}

/**
 * Reads a whole stream into memory, refusing (TOO_LARGE) as soon as it
 * passes `maxBytes`. Only for documents with a known cap (manifests,
 * configs); layers are never read this way.
 */
export async function readAllCapped(stream: AsyncIterable<Uint8Array>, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > maxBytes) {
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy();
      throw new S3loError(ErrorCode.TOO_LARGE, `${what} is larger than ${maxBytes} bytes`, { details: { maxBytes } });
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}
