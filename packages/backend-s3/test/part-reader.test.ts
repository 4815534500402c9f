import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '../src/memory-budget.js';
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
    const buffers = new PartBuffers(10, new MemoryBudget(0));
    const parts: Buffer[] = [];
    for (;;) {
      const buffer = buffers.take() as Buffer; // the first: always there
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

  it('PartBuffers: the first buffer is free, further ones are paid from the budget until release', () => {
    const budget = new MemoryBudget(20);
    const buffers = new PartBuffers(8, budget);
    const first = buffers.take() as Buffer;
    expect(first.length).toBe(8);
    expect(budget.available).toBe(20);
    const second = buffers.take() as Buffer;
    const third = buffers.take() as Buffer;
    expect(new Set([first, second, third]).size).toBe(3);
    expect(budget.available).toBe(4);
    expect(buffers.take(), 'budget spent: wait for a part to come back').toBeUndefined();
    expect(buffers.take({ force: true })?.length, 'nothing in flight: made anyway').toBe(8);
    buffers.give(second);
    expect(buffers.take(), 'a given-back buffer is handed out again').toBe(second);
    expect(budget.available).toBe(4);
    buffers.release();
    expect(budget.available).toBe(20);
  });

  it('PartBuffers of two uploads share one budget', () => {
    const budget = new MemoryBudget(8);
    const a = new PartBuffers(8, budget);
    const b = new PartBuffers(8, budget);
    a.take();
    b.take();
    expect(a.take()).toBeDefined();
    expect(b.take(), 'a took the budget').toBeUndefined();
    a.release();
    expect(b.take()).toBeDefined();
  });
});
