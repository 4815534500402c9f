import type { BlobProgress } from '@s3lo/core/image';
import type { ProgressStart } from './progress-reporter.js';

/** One blob being moved. */
export interface ActiveBlob {
  readonly digest: string;
  readonly size: number;
  bytes: number;
  readonly startedAt: number;
}

const SPEED_WINDOW_MS = 3000;

/**
 * The numbers behind the progress bars, kept apart from drawing so they
 * can be tested without a terminal. Skipped blobs count toward the total's
 * percentage (they are done) but not toward the speed (nothing moved).
 */
export class TransferState {
  totalBytes = 0;
  totalBlobs = 0;
  blobsDone = 0;
  /** Bytes finished: moved or already there. */
  doneBytes = 0;
  /** Bytes that actually moved, for the speed. */
  movedBytes = 0;
  readonly active = new Map<string, ActiveBlob>();
  readonly #samples: { at: number; moved: number }[] = [];

  constructor(readonly startedAt: number) {}

  start(start: ProgressStart): void {
    this.totalBytes = start.totalBytes;
    this.totalBlobs = start.blobs;
  }

  progress(progress: BlobProgress, now: number): void {
    let blob = this.active.get(progress.digest);
    if (blob === undefined) {
      blob = { digest: progress.digest, size: progress.size, bytes: 0, startedAt: now };
      this.active.set(progress.digest, blob);
    }
    const delta = Math.max(0, progress.bytes - blob.bytes);
    blob.bytes = progress.bytes;
    this.movedBytes += delta;
    this.#sample(now);
  }

  blob(digest: string, size: number, skipped: boolean, now: number): void {
    const blob = this.active.get(digest);
    // A server-side copy reports no bytes on the way: count them at the end.
    if (!skipped) this.movedBytes += Math.max(0, size - (blob?.bytes ?? 0));
    this.active.delete(digest);
    this.blobsDone += 1;
    this.doneBytes += size;
    this.#sample(now);
  }

  /** Bytes finished plus bytes of blobs in flight. */
  get currentBytes(): number {
    let inFlight = 0;
    for (const blob of this.active.values()) inFlight += blob.bytes;
    return Math.min(this.totalBytes, this.doneBytes + inFlight);
  }

  /** Bytes per second over the last few seconds (0 until there is something to measure). */
  speed(now: number): number {
    this.#sample(now);
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (first === undefined || last === undefined) return 0;
    const elapsed = last.at - first.at;
    if (elapsed < 200) {
      const sinceStart = now - this.startedAt;
      return sinceStart > 0 ? (this.movedBytes * 1000) / sinceStart : 0;
    }
    return ((last.moved - first.moved) * 1000) / elapsed;
  }

  /** Seconds left at the current speed, or undefined when it cannot be told. */
  eta(now: number): number | undefined {
    const speed = this.speed(now);
    if (speed <= 0) return undefined;
    return Math.max(0, this.totalBytes - this.currentBytes) / speed;
  }

  #sample(now: number): void {
    const samples = this.#samples;
    const last = samples[samples.length - 1];
    if (last !== undefined && last.at === now) last.moved = this.movedBytes;
    else samples.push({ at: now, moved: this.movedBytes });
    while (samples.length > 2 && (samples[0] as { at: number }).at < now - SPEED_WINDOW_MS) samples.shift();
  }
}
