import type { MemoryBudget } from './memory-budget.js';

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
 * Part-sized buffers of one multipart upload, handed out and taken back, so
 * the upload allocates a buffer per part it holds at once rather than per
 * part (a new 8 MiB buffer per part churns the garbage collector at
 * hundreds of MB/s). The first buffer is the upload's own; each further one
 * is paid for from the backend's {@link MemoryBudget} and stays paid while
 * this upload keeps it, until {@link release}. When the budget is spent,
 * {@link take} returns undefined: wait for a part in flight to give its
 * buffer back. A buffer comes back only once the request that sent it has
 * settled, retries included.
 */
export class PartBuffers {
  readonly #free: Buffer[] = [];
  #allocated = 0;
  /** Buffers paid for from the budget. */
  #paid = 0;

  constructor(
    readonly partSize: number,
    readonly budget: MemoryBudget,
  ) {}

  /**
   * A free buffer, a new one (the first, or paid from the budget), or
   * undefined. `force`: nothing is in flight that could give one back, so a
   * new buffer is made unpaid if need be (never the case in a sound upload:
   * a guard against waiting forever).
   */
  take(options: { force?: boolean } = {}): Buffer | undefined {
    const free = this.#free.pop();
    if (free !== undefined) return free;
    if (this.#allocated > 0 && options.force !== true) {
      if (!this.budget.tryTake(this.partSize)) return undefined;
      this.#paid++;
    }
    this.#allocated++;
    return Buffer.allocUnsafeSlow(this.partSize);
  }

  give(buffer: Buffer): void {
    this.#free.push(buffer);
  }

  /** Drops every buffer and pays the budget back (the upload is over). */
  release(): void {
    this.budget.give(this.#paid * this.partSize);
    this.#paid = 0;
    this.#allocated = 0;
    this.#free.length = 0;
  }
}
