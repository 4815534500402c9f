import type { Readable } from 'node:stream';

/**
 * Reads a stream in blocks of exactly `blockSize` bytes (the last one
 * shorter, possibly empty), holding at most one block beyond what the
 * caller keeps: the next block is only read when asked for.
 */
export class BlockReader {
  readonly #iterator: AsyncIterator<Buffer>;
  #rest: Buffer | undefined;
  #done = false;

  constructor(stream: Readable) {
    this.#iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** The next `blockSize` bytes, fewer at the end of the stream (an empty buffer once it is over). */
  async read(blockSize: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let length = 0;
    if (this.#rest !== undefined) {
      chunks.push(this.#rest);
      length = this.#rest.length;
      this.#rest = undefined;
    }
    while (length < blockSize && !this.#done) {
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#done = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      chunks.push(chunk);
      length += chunk.length;
    }
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
    if (all.length <= blockSize) return all;
    this.#rest = all.subarray(blockSize);
    // A copy, so the block does not pin the rest of a large chunk.
    return Buffer.from(all.subarray(0, blockSize));
  }

  /** Stops reading: the stream's iterator is closed (the stream destroyed). */
  async cancel(): Promise<void> {
    this.#done = true;
    this.#rest = undefined;
    try {
      await this.#iterator.return?.();
    } catch {
      // The stream's own error was reported by read().
    }
  }
}
