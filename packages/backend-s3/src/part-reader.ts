/**
 * Cuts a byte stream into parts of an exact size, so that every part of a
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
   * buffer when nothing is left), in a new buffer (or a chunk of the source
   * when one holds them all).
   */
  async read(size: number): Promise<Buffer> {
    await this.#fill(size);
    const all = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    const taken = all.length <= size ? all : all.subarray(0, size);
    const rest = all.length <= size ? undefined : all.subarray(size);
    this.#pending = rest === undefined ? [] : [rest];
    this.#pendingBytes = rest?.length ?? 0;
    return taken;
  }

  /**
   * Fills `target` with the next bytes: all of it, or less only at the end
   * of the stream. Returns the part of `target` that was filled. Reusing
   * targets (see {@link PartBuffers}) spares an allocation per part.
   */
  async readInto(target: Buffer): Promise<Buffer> {
    await this.#fill(target.length);
    let filled = 0;
    while (filled < target.length && this.#pending.length > 0) {
      const chunk = this.#pending[0] as Buffer;
      const n = Math.min(chunk.length, target.length - filled);
      chunk.copy(target, filled, 0, n);
      filled += n;
      if (n === chunk.length) this.#pending.shift();
      else this.#pending[0] = chunk.subarray(n);
    }
    this.#pendingBytes -= filled;
    return target.subarray(0, filled);
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

  /** Pulls from the source until `size` bytes are pending or it ended. */
  async #fill(size: number): Promise<void> {
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
  }
}

/**
 * Part-sized buffers of one multipart upload, handed out and taken back:
 * the upload allocates at most one per part in flight plus the one being
 * filled, instead of a fresh buffer per part (which churns the garbage
 * collector at hundreds of MB/s). A buffer is given back only once the
 * request that sent it has settled, retries included.
 */
export class PartBuffers {
  readonly #free: Buffer[] = [];

  constructor(readonly partSize: number) {}

  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.partSize);
  }

  give(buffer: Buffer): void {
    this.#free.push(buffer);
  }
}
