import { Readable } from 'node:stream';
import { describe, expect } from 'vitest';
import { STORAGE_CONTRACT_VERSION, type PutBody } from '@s3lo/core/storage';
import { deleteAll, expectAbsent, expectBucketHolds, expectContent, putBytes, type Suite } from '../context.js';
import { expectS3loError } from '../expect-error.js';
import { payloadBytes, payloadChunks, payloadReadable, payloadSha256, sha256OfStream } from '../payload.js';

const MiB = 1024 * 1024;

type BodyForm = 'Readable' | 'AsyncIterable' | 'Uint8Array' | 'Buffer';

function bodyOf(form: BodyForm, seed: string, size: number): PutBody {
  switch (form) {
    case 'Readable':
      return payloadReadable(seed, size);
    case 'AsyncIterable':
      return payloadChunks(seed, size);
    case 'Uint8Array':
      return new Uint8Array(payloadBytes(seed, size));
    case 'Buffer':
      return payloadBytes(seed, size);
  }
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

export function roundTripTests(suite: Suite): void {
  const { target, it } = suite;

  describe('round trips', () => {
    it('declares its contract version, scheme, bucket and capabilities', () => {
      const backend = suite.backend();
      expect(backend.contractVersion, 'contractVersion').toBe(STORAGE_CONTRACT_VERSION);
      expect(typeof backend.scheme === 'string' && backend.scheme.length > 0, 'scheme is a non-empty string').toBe(true);
      expect(typeof backend.bucket, 'bucket').toBe('string');
      for (const name of ['serverSideCopy', 'conditionalCreate', 'presignedGet'] as const) {
        expect(typeof backend.capabilities?.[name], `capabilities.${name} is a boolean`).toBe('boolean');
      }
      if (backend.capabilities.serverSideCopy) expect(typeof backend.copy, 'copy() of a backend claiming serverSideCopy').toBe('function');
      if (backend.capabilities.presignedGet) expect(typeof backend.presignGet, 'presignGet() of a backend claiming presignedGet').toBe('function');
    });

    it('stores and reads back 0 bytes', async () => {
      const backend = suite.backend();
      await backend.put('empty', new Uint8Array(0), { size: 0 });
      await expectContent(backend, 'empty', new Uint8Array(0), '0-byte object');
      expect((await backend.stat('empty')).size, 'stat size of the 0-byte object').toBe(0);
      await deleteAll(backend, ['empty'], 'cleanup');
    });

    it('stores and reads back 1 byte', async () => {
      const backend = suite.backend();
      await backend.put('one', new Uint8Array([0x2a]), { size: 1 });
      await expectContent(backend, 'one', new Uint8Array([0x2a]), '1-byte object');
      expect((await backend.stat('one')).size, 'stat size of the 1-byte object').toBe(1);
      await deleteAll(backend, ['one'], 'cleanup');
    });

    it(
      'round trips 5 MiB + 1 B from a Readable with a known size, byte for byte',
      async () => {
        const backend = suite.backend();
        const size = 5 * MiB + 1;
        const key = 'blobs/sha256/five-mib-plus-one';
        await backend.put(key, payloadReadable('5MiB+1', size), { size });
        const read = await sha256OfStream(await backend.get(key));
        expect(read.size, 'bytes read back').toBe(size);
        expect(read.sha256, 'sha256 of the bytes read back').toBe(payloadSha256('5MiB+1', size));
        expect((await backend.stat(key)).size, 'stat size').toBe(size);
        await deleteAll(backend, [key], 'cleanup');
      },
      target.slowTimeoutMs,
    );

    it(
      `round trips ${(target.bigObjectSize / MiB).toFixed(0)} MiB streamed with unknown length, byte for byte`,
      async () => {
        const backend = suite.backend();
        const size = target.bigObjectSize;
        const key = 'blobs/sha256/big-unknown-length';
        let progress = 0;
        // Generated lazily: neither side may need the whole object in memory.
        await backend.put(key, payloadChunks('big', size), { onProgress: (n) => (progress = n) });
        expect(progress, 'last onProgress value').toBe(size);
        const info = await backend.stat(key);
        expect(info.size, 'stat size').toBe(size);
        const read = await sha256OfStream(await backend.get(key));
        expect(read.size, 'bytes read back').toBe(size);
        expect(read.sha256, 'sha256 of the bytes read back').toBe(payloadSha256('big', size));
        await deleteAll(backend, [key], 'cleanup');
      },
      target.slowTimeoutMs,
    );

    for (const form of ['Readable', 'AsyncIterable', 'Uint8Array', 'Buffer'] as const) {
      for (const sized of [true, false]) {
        it(`accepts ${article(form)} ${form} body ${sized ? 'with' : 'without'} a size`, async () => {
          const backend = suite.backend();
          const size = 300 * 1024 + 7;
          const seed = `form-${form}-${sized}`;
          const key = `forms/${form}`;
          await backend.put(key, bodyOf(form, seed, size), sized ? { size } : {});
          await expectContent(backend, key, payloadBytes(seed, size), `${form} body`);
          await deleteAll(backend, [key], 'cleanup');
        });
      }
    }

    it('put overwrites an existing key (non-conditional)', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'overwrite/me', payloadBytes('first', 10_000));
      await putBytes(backend, 'overwrite/me', 'second');
      await expectContent(backend, 'overwrite/me', 'second', 'after overwriting');
      expect((await backend.stat('overwrite/me')).size, 'stat size after overwriting with a shorter body').toBe(6);
      await expectBucketHolds(backend, ['overwrite/me'], 'after overwriting');
      await deleteAll(backend, ['overwrite/me'], 'cleanup');
    });

    for (const sized of [true, false]) {
      it(`onProgress grows to the total ${sized ? 'with' : 'without'} a size`, async () => {
        const backend = suite.backend();
        const size = MiB + 3;
        const seen: number[] = [];
        await backend.put('progress', payloadReadable('progress', size, 16 * 1024), {
          ...(sized ? { size } : {}),
          onProgress: (n) => seen.push(n),
        });
        expect(seen.length, 'onProgress calls').toBeGreaterThan(0);
        for (let i = 1; i < seen.length; i++) {
          if ((seen[i] as number) < (seen[i - 1] as number)) throw new Error(`onProgress went backwards: ${seen[i - 1]} then ${seen[i]}`);
        }
        expect(seen.at(-1), 'last onProgress value').toBe(size);
        expect(Math.max(...seen), 'largest onProgress value').toBe(size);
        await deleteAll(backend, ['progress'], 'cleanup');
      });
    }

    for (const [label, announced, actual] of [
      ['a body 1 byte shorter than its announced size', 1000, 999],
      ['a body 1 byte longer than its announced size', 1000, 1001],
      ['a body much longer than its announced size', 10, 2 * MiB],
      ['an empty body announced as 5 bytes', 5, 0],
    ] as const) {
      it(`${label} fails with SIZE_MISMATCH and stores nothing`, async () => {
        const backend = suite.backend();
        await expectS3loError(
          backend.put('mismatch', Readable.from(payloadChunks('mismatch', actual)), { size: announced }),
          'SIZE_MISMATCH',
          `put of ${actual} bytes announced as ${announced}`,
        );
        await expectAbsent(backend, 'mismatch', 'after a size mismatch');
        await expectBucketHolds(backend, [], 'after a size mismatch');
      });
    }

    it('a size mismatch leaves the previous object under the key unchanged', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'mismatch/kept', 'the original');
      await expectS3loError(backend.put('mismatch/kept', payloadChunks('mismatch', 4096), { size: 4095 }), 'SIZE_MISMATCH', 'put of 4096 bytes announced as 4095');
      await expectContent(backend, 'mismatch/kept', 'the original', 'after a failed overwrite');
      await deleteAll(backend, ['mismatch/kept'], 'cleanup');
    });
  });
}
