/**
 * Cuts a byte stream into buffers of an exact size, so that every part of a
 * multipart upload but the last has the same length.
 */
export class PartReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** True once the source has ended and every byte was handed out. */
  get finished(): boolean {
    return this.#done && this.#pendingBytes === 0;
  }

  /**
   * The next `size` bytes, or fewer only at the end of the stream (an empty
   * buffer when nothing is left).
   */
  async read(size: number): Promise<Buffer> {
    while (this.#pendingBytes < size && !this.#done) {
      const next = await this.#iterator.next();
      if (next.done === true) {
        this.#done = true;
        break;
      }
      const chunk = next.value;
      if (chunk.length === 0) continue;
      this.#pending.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.#pendingBytes += chunk.length;
    }
    const all = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    const taken = all.length <= size ? all : all.subarray(0, size);
    const rest = all.length <= size ? undefined : all.subarray(size);
    this.#pending = rest === undefined ? [] : [rest];
    this.#pendingBytes = rest?.length ?? 0;
    return taken;
  }

  /** Puts bytes back in front of the stream (the next read returns them first). */
  unshift(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#pending.unshift(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** Stops the source (on failure). */
  async cancel(): Promise<void> {
    this.#done = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#iterator.return?.().catch(() => undefined);
  }
}
