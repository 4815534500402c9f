import { describe, expect, it } from 'vitest';
import { PartBuffers, PartReader } from '../src/part-reader.js';

async function* chunks(sizes: number[]): AsyncGenerator<Uint8Array> {
  let next = 0;
  for (const size of sizes) {
    const chunk = new Uint8Array(size);
    for (let i = 0; i < size; i++) chunk[i] = next++ % 251;
    yield chunk;
  }
}

const expected = (from: number, length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));

describe('PartReader', () => {
  it('readInto fills whole parts across chunk boundaries, the last part short', async () => {
    const reader = new PartReader(chunks([3, 7, 1, 10, 4])); // 25 bytes
    const buffers = new PartBuffers(10);
    const parts: Buffer[] = [];
    for (;;) {
      const buffer = buffers.take();
      const part = await reader.readInto(buffer);
      if (part.length === 0) break;
      parts.push(Buffer.from(part)); // copied: the buffer goes back to be reused
      buffers.give(buffer);
    }
    expect(parts.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(Buffer.concat(parts)).toEqual(expected(0, 25));
    expect(reader.finished).toBe(true);
  });

  it('readInto returns what was put back first, then the stream', async () => {
    const reader = new PartReader(chunks([6]));
    const head = await reader.read(4);
    expect(head).toEqual(expected(0, 4));
    reader.unshift(head);
    const part = await reader.readInto(Buffer.alloc(5));
    expect(part).toEqual(expected(0, 5));
    expect(await reader.readInto(Buffer.alloc(5))).toEqual(expected(5, 1));
  });

  it('PartBuffers hands a given-back buffer out again instead of allocating', () => {
    const buffers = new PartBuffers(8);
    const first = buffers.take();
    const second = buffers.take();
    expect(first).not.toBe(second);
    expect(first.length).toBe(8);
    buffers.give(first);
    expect(buffers.take()).toBe(first);
  });
});
