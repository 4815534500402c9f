import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createDigester, createDigestVerifier, ErrorCode, S3loError, sha256Digest } from '../../src/index.js';
import { thrown } from '../support/thrown.js';

const chunks = ['{"schemaVersion":2,', '"layers":[]', ',"x":"', 'é'.repeat(1000), '"}'].map((text) => Buffer.from(text));
const content = Buffer.concat(chunks);
const digest = sha256Digest(content);

/** A sink that, like a temp-file rename or a multipart completion, commits only in final(). */
function committingSink() {
  const received: Buffer[] = [];
  const state = { committed: false, finished: false, received };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
    final(callback) {
      state.committed = true;
      callback();
    },
  });
  sink.on('finish', () => {
    state.finished = true;
  });
  return { sink, state };
}

async function failure(promise: Promise<unknown>): Promise<S3loError> {
  try {
    await promise;
  } catch (error) {
    if (S3loError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the pipeline to fail');
}

describe('createDigestVerifier', () => {
  it('passes matching bytes through unchanged', async () => {
    const { sink, state } = committingSink();
    const progress: number[] = [];
    await pipeline(Readable.from(chunks), createDigestVerifier({ digest, size: content.length, onProgress: (n) => progress.push(n) }), sink);
    expect(Buffer.concat(state.received).equals(content)).toBe(true);
    expect(state.committed).toBe(true);
    expect(state.finished).toBe(true);
    expect(progress.at(-1)).toBe(content.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('verifies without a size when none is known', async () => {
    const { sink, state } = committingSink();
    await pipeline(Readable.from(chunks), createDigestVerifier({ digest }), sink);
    expect(state.committed).toBe(true);
  });

  it('fails with DIGEST_MISMATCH on wrong content, and the sink never commits', async () => {
    const tampered = chunks.map((chunk, i) => (i === 1 ? Buffer.from('"layers":[1]') : chunk));
    const { sink, state } = committingSink();
    const error = await failure(pipeline(Readable.from(tampered), createDigestVerifier({ digest }), sink));
    expect(error.code).toBe(ErrorCode.DIGEST_MISMATCH);
    expect(error.details).toEqual({ expected: digest, actual: sha256Digest(Buffer.concat(tampered)) });
    expect(error.message).toMatch(/the data is corrupt or was tampered with/);
    expect(state.committed).toBe(false);
    expect(state.finished).toBe(false);
  });

  it('fails with DIGEST_MISMATCH when the size is right but the bytes are not', async () => {
    const flipped = Buffer.from(content);
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    const { sink, state } = committingSink();
    const error = await failure(pipeline(Readable.from([flipped]), createDigestVerifier({ digest, size: content.length }), sink));
    expect(error.code).toBe(ErrorCode.DIGEST_MISMATCH);
    expect(state.committed).toBe(false);
  });

  it('fails with SIZE_MISMATCH on a short stream, and the sink never commits', async () => {
    const { sink, state } = committingSink();
    const error = await failure(pipeline(Readable.from(chunks.slice(0, -1)), createDigestVerifier({ digest, size: content.length }), sink));
    expect(error.code).toBe(ErrorCode.SIZE_MISMATCH);
    expect(error.details).toEqual({ digest, expected: content.length, actual: String(content.length - 2) });
    expect(state.committed).toBe(false);
    expect(state.finished).toBe(false);
  });

  it('fails with SIZE_MISMATCH on a long stream as soon as it overruns', async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled += 1;
        yield Buffer.alloc(1024, 7);
      }
    }
    const { sink, state } = committingSink();
    const error = await failure(pipeline(Readable.from(endless()), createDigestVerifier({ digest, size: 4096 }), sink));
    expect(error.code).toBe(ErrorCode.SIZE_MISMATCH);
    expect(error.message).toBe(`content of ${digest} is more than 4096 bytes, expected 4096`);
    expect(pulled).toBeLessThan(100);
    // The overflowing chunk itself is never handed on.
    expect(Buffer.concat(state.received).length).toBeLessThanOrEqual(4096);
    expect(state.committed).toBe(false);
    expect(state.finished).toBe(false);
  });

  it('refuses a malformed digest or size up front', () => {
    expect(thrown(() => createDigestVerifier({ digest: 'sha256:abc' })).code).toBe(ErrorCode.INVALID_DIGEST);
    expect(thrown(() => createDigestVerifier({ digest: `sha256:${'A'.repeat(64)}` })).code).toBe(ErrorCode.INVALID_DIGEST);
    for (const size of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(thrown(() => createDigestVerifier({ digest, size })).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  it('verifies a 64 MiB stream without buffering it', async () => {
    const chunkSize = 64 * 1024;
    const chunkCount = 1024; // 64 MiB
    const chunkAt = (i: number) => {
      const chunk = Buffer.alloc(chunkSize, i & 0xff);
      chunk.writeUInt32BE(i, 0);
      return chunk;
    };
    const hash = createHash('sha256');
    for (let i = 0; i < chunkCount; i++) hash.update(chunkAt(i));
    const expected = `sha256:${hash.digest('hex')}` as const;

    let produced = 0;
    let consumedBytes = 0;
    let maxLead = 0;
    async function* lazily() {
      for (let i = 0; i < chunkCount; i++) {
        produced += 1;
        maxLead = Math.max(maxLead, produced - Math.floor(consumedBytes / chunkSize));
        yield chunkAt(i);
      }
    }
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        consumedBytes += chunk.length;
        callback();
      },
    });
    await pipeline(Readable.from(lazily()), createDigestVerifier({ digest: expected, size: chunkSize * chunkCount }), sink);
    expect(consumedBytes).toBe(64 * 1024 * 1024);
    // A verifier that held bytes back until the end would let the source run
    // all 1024 chunks ahead of the sink; streaming keeps the lead to a few
    // stream buffers.
    expect(maxLead).toBeLessThan(64);
  }, 30_000);
});

describe('createDigester', () => {
  it('computes the same digest as sha256Digest over a multi-chunk stream', async () => {
    const digester = createDigester();
    const { sink, state } = committingSink();
    await pipeline(Readable.from(chunks), digester, sink);
    expect(digester.digest()).toBe(digest);
    expect(digester.bytes).toBe(content.length);
    expect(Buffer.concat(state.received).equals(content)).toBe(true);
  });

  it('digests an empty stream', async () => {
    const digester = createDigester();
    await pipeline(Readable.from([]), digester, committingSink().sink);
    expect(digester.digest()).toBe(sha256Digest(''));
    expect(digester.bytes).toBe(0);
  });

  it('refuses digest() before the stream ends', () => {
    const digester = createDigester();
    digester.write(Buffer.from('abc'));
    expect(digester.bytes).toBe(3);
    expect(thrown(() => digester.digest()).code).toBe(ErrorCode.INVALID_ARGUMENT);
    digester.destroy();
  });
});
