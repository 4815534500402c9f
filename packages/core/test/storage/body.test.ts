import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { S3loError } from '../../src/errors/index.js';
import { bodyToStream, createByteCounter, readAllCapped } from '../../src/storage/body.js';

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('bodyToStream', () => {
  it('turns bytes, async iterables and streams into the same bytes', async () => {
    const bytes = Buffer.from('hello world');
    async function* parts() {
      yield bytes.subarray(0, 5);
      yield bytes.subarray(5);
    }
    expect(await drain(bodyToStream(new Uint8Array(bytes)))).toEqual(bytes);
    expect(await drain(bodyToStream(parts()))).toEqual(bytes);
    const readable = Readable.from([bytes]);
    expect(bodyToStream(readable)).toBe(readable);
  });
});

describe('createByteCounter', () => {
  it('passes bytes through and reports progress up to the total', async () => {
    const progress: number[] = [];
    const counter = createByteCounter({ size: 6, onProgress: (n) => progress.push(n) });
    const out = await drain(Readable.from([Buffer.from('abc'), Buffer.from('def')]).pipe(counter));
    expect(out.toString()).toBe('abcdef');
    expect(progress).toEqual([3, 6]);
    expect(counter.bytes).toBe(6);
  });

  it.each([
    ['short', ['abc'], /was 3 bytes, announced as 6/],
    ['long', ['abcdef', 'g'], /was more than 6 bytes/],
  ])('fails a %s body with SIZE_MISMATCH and the sink never finishes', async (_name, parts, message) => {
    let finished = false;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
      final(callback) {
        finished = true;
        callback();
      },
    });
    const error = await pipeline(Readable.from(parts.map((p) => Buffer.from(p))), createByteCounter({ size: 6 }), sink).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'SIZE_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(finished).toBe(false);
  });
});

describe('readAllCapped', () => {
  it('reads up to the cap and refuses beyond it with TOO_LARGE', async () => {
    expect((await readAllCapped(Readable.from([Buffer.alloc(10)]), 10, 'doc')).length).toBe(10);
    const error = await readAllCapped(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), 10, 'doc').catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'TOO_LARGE')).toBe(true);
    expect((error as Error).message).toBe('doc is larger than 10 bytes');
  });
});
