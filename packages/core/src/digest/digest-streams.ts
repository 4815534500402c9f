import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { parseDigest, type Digest } from './digest.js';

/** What a verified stream is expected to contain. */
export interface ExpectedContent {
  /** The sha256 digest the bytes must hash to. */
  digest: string;
  /** The exact byte count, when known (OCI descriptors always know it). */
  size?: number;
  /** Called with the running byte count as chunks pass, for progress bars. */
  onProgress?: (bytesSoFar: number) => void;
}

/**
 * A pass-through stream that hashes bytes as they flow and fails instead of
 * ending when they do not match `expected`. A size overrun fails as soon as it
 * happens; a digest mismatch fails at the end, **before** the end is signalled
 * downstream, so a consumer that commits on end (a temp-file rename, a
 * multipart completion) never commits bad bytes.
 *
 * @example
 * ```ts
 * await pipeline(
 *   await backend.get(blobKey(digest), { signal }),
 *   createDigestVerifier({ digest, size }),
 *   createWriteStream(target),
 *   { signal },
 * );
 * ```
 */
export function createDigestVerifier(expected: ExpectedContent): Transform {
  const digest = parseDigest(expected.digest);
  const size = expected.size;
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `expected size must be a non-negative integer, got ${size}`);
  }
  const hash = createHash('sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (size !== undefined && seen > size) {
        callback(sizeMismatch(digest, size, `more than ${size}`));
        return;
      }
      hash.update(chunk);
      expected.onProgress?.(seen);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (size !== undefined && seen !== size) {
        callback(sizeMismatch(digest, size, String(seen)));
        return;
      }
      const actual: Digest = `sha256:${hash.digest('hex')}`;
      if (actual !== digest) {
        callback(
          new S3loError(ErrorCode.DIGEST_MISMATCH, `content of ${digest} hashes to ${actual}: the data is corrupt or was tampered with`, {
            details: { expected: digest, actual },
          }),
        );
        return;
      }
      callback();
    },
  });
}

function sizeMismatch(digest: Digest, expected: number, actual: string): S3loError {
  return new S3loError(ErrorCode.SIZE_MISMATCH, `content of ${digest} is ${actual} bytes, expected ${expected}`, {
    details: { digest, expected, actual },
  });
}

/** A pass-through stream that computes the digest and size of what flows through. */
export interface Digester extends Transform {
  /** The sha256 digest of everything that passed; valid once the stream has ended. */
  digest(): Digest;
  /** Bytes that passed so far. */
  readonly bytes: number;
}

/**
 * Computes the digest of a stream whose digest is not known yet (an archive
 * member, a layer being compressed). Use {@link createDigestVerifier} when
 * the digest is known.
 *
 * @example
 * ```ts
 * const digester = createDigester();
 * await pipeline(source, digester, sink);
 * console.log(digester.digest(), digester.bytes);
 * ```
 */
export function createDigester(): Digester {
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  let result: Digest | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      result = `sha256:${hash.digest('hex')}`;
      callback();
    },
  }) as Digester;
  Object.defineProperty(stream, 'bytes', { get: () => bytes });
  stream.digest = () => {
    if (result === undefined) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'digest() was called before the stream ended');
    }
    return result;
  };
  return stream;
}

/** What {@link digestOfStream} found: the digest and length of a stream's bytes. */
export interface StreamDigest {
  readonly digest: Digest;
  readonly size: number;
}

/**
 * Reads a stream to its end and returns the sha256 digest and length of its
 * bytes, holding one chunk at a time. For checking what a store holds
 * without trusting it: a mismatch is no error here, the caller compares.
 *
 * @example
 * ```ts
 * const { digest, size } = await digestOfStream(await backend.get(key, { signal }));
 * if (digest !== expected) console.error(`${key} is corrupt (${size} bytes)`);
 * ```
 */
export async function digestOfStream(stream: AsyncIterable<Uint8Array>, onProgress?: (bytesSoFar: number) => void): Promise<StreamDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
    onProgress?.(size);
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
