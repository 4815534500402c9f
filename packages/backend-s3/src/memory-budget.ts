/**
 * Bytes of object data a backend may hold in memory for parallel transfers,
 * shared by all of its uploads and downloads: part buffers of multipart
 * uploads and ranges read ahead by downloads. With several blobs moving at
 * once (a push copies four by default), per-transfer limits alone multiply.
 *
 * Never waited on: a transfer that gets nothing from the budget goes on with
 * the one part or range it may always have, so a full budget slows
 * transfers down but cannot deadlock them (a download whose reader is an
 * upload waiting for memory would otherwise never give its memory back).
 */
export class MemoryBudget {
  #available: number;

  constructor(readonly limit: number) {
    this.#available = limit;
  }

  /** Bytes not handed out. */
  get available(): number {
    return this.#available;
  }

  /** Takes `bytes` if that many are free; false (and nothing taken) otherwise. */
  tryTake(bytes: number): boolean {
    if (bytes > this.#available) return false;
    this.#available -= bytes;
    return true;
  }

  /** Gives back bytes taken with {@link tryTake}. */
  give(bytes: number): void {
    this.#available = Math.min(this.limit, this.#available + bytes);
  }
}
