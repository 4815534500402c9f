import { createCipheriv, createHash } from 'node:crypto';

/**
 * A reproducible random source: everything a trial decides (kill points,
 * interleavings, which byte to flip, image contents) comes from one of these,
 * made from the trial's seed string, so a failure names a seed that replays it.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(readonly seed: string) {
    const h = createHash('sha256').update(seed).digest();
    this.#a = h.readUInt32LE(0);
    this.#b = h.readUInt32LE(4);
    this.#c = h.readUInt32LE(8);
    this.#d = h.readUInt32LE(12);
  }

  /** A uniform 32-bit integer (sfc32). */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (max < min) throw new Error(`Rng.int: empty range [${min}, ${max}]`);
    const span = max - min + 1;
    // Two draws give 53 bits: enough for byte offsets in large layers.
    const x = (this.next() * 2 ** 21 + (this.next() >>> 11)) / 2 ** 53;
    return min + Math.floor(x * span);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.int(0, 999_999) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: nothing to pick from');
    return items[this.int(0, items.length - 1)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** A child source for a named part of the trial: drawing from it leaves this one unchanged. */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }
}

/**
 * A stream of pseudo-random bytes determined by `seed` (AES-128-CTR key
 * stream): incompressible, fast enough for layers of tens of MiB, and the
 * same for the same seed. Call the returned function for the next `length`
 * bytes.
 */
export function seededByteSource(seed: string): (length: number) => Buffer {
  const key = createHash('sha256').update(`bytes/${seed}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return (length: number) => cipher.update(Buffer.alloc(length));
}

/** `length` seeded bytes at once. */
export function seededBytes(seed: string, length: number): Buffer {
  return seededByteSource(seed)(length);
}
