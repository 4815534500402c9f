import { createCipheriv, createHash, type Cipheriv } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK_SIZE = 64 * 1024;
const ZEROES = Buffer.alloc(CHUNK_SIZE);

// AES-CTR over zeroes is a fast, deterministic byte generator: the same seed
// always yields the same bytes, so a test can regenerate what it wrote instead
// of keeping it in memory.
function keystream(seed: string): Cipheriv {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
}

function* chunksSync(seed: string, size: number, chunkSize: number): Generator<Buffer> {
  const cipher = keystream(seed);
  for (let done = 0; done < size; ) {
    const n = Math.min(chunkSize, size - done);
    yield cipher.update(n <= ZEROES.length ? ZEROES.subarray(0, n) : Buffer.alloc(n));
    done += n;
  }
}

/** `size` pseudo-random bytes derived from `seed`, generated lazily chunk by chunk. */
export async function* payloadChunks(seed: string, size: number, chunkSize = CHUNK_SIZE): AsyncGenerator<Buffer> {
  yield* chunksSync(seed, size, chunkSize);
}

/** The same bytes as {@link payloadChunks}, as a byte stream. */
export function payloadReadable(seed: string, size: number, chunkSize = CHUNK_SIZE): Readable {
  return Readable.from(payloadChunks(seed, size, chunkSize), { objectMode: false });
}

/** The same bytes as {@link payloadChunks}, in memory (only for small sizes). */
export function payloadBytes(seed: string, size: number): Buffer {
  return keystream(seed).update(Buffer.alloc(size));
}

/** The hex sha256 of the bytes of {@link payloadChunks}. */
export function payloadSha256(seed: string, size: number): string {
  const hash = createHash('sha256');
  for (const chunk of chunksSync(seed, size, CHUNK_SIZE)) hash.update(chunk);
  return hash.digest('hex');
}

/** The hex sha256 of bytes in memory. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Hashes a stream as it is read, never holding more than one chunk. */
export async function sha256OfStream(stream: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Reads a (small) stream into memory. */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
