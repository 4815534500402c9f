import { Readable } from 'node:stream';
import { describe, expect } from 'vitest';
import type { ByteRange } from '@s3lo/core/storage';
import { deleteAll, putBytes, type Suite } from '../context.js';
import { expectS3loError } from '../expect-error.js';
import { payloadBytes, readAll } from '../payload.js';

const SIZE = 4096 + 17;

export function readTests(suite: Suite): void {
  const { target, it } = suite;

  describe('range reads', () => {
    const cases: readonly (readonly [label: string, range: ByteRange])[] = [
      ['the whole object from offset 0', { offset: 0 }],
      ['the first byte', { offset: 0, length: 1 }],
      ['a slice in the middle', { offset: 1000, length: 1234 }],
      ['the last byte', { offset: SIZE - 1, length: 1 }],
      ['from the last byte to the end', { offset: SIZE - 1 }],
      ['nothing for an offset at the end', { offset: SIZE }],
      ['nothing for an offset at the end with a length', { offset: SIZE, length: 10 }],
      ['nothing for an offset past the end', { offset: SIZE + 100 }],
      ['a length running past the end, cut at the end', { offset: SIZE - 10, length: 100 }],
      ['nothing for a length of 0', { offset: 10, length: 0 }],
    ];
    for (const [label, range] of cases) {
      it(`reads ${label}`, async () => {
        const backend = suite.backend();
        const content = payloadBytes('ranges', SIZE);
        await putBytes(backend, 'ranged', content);
        const end = range.length === undefined ? undefined : range.offset + range.length;
        const expected = content.subarray(Math.min(range.offset, SIZE), end === undefined ? undefined : Math.min(end, SIZE));
        const got = await readAll(await backend.get('ranged', { range }));
        if (!got.equals(expected)) {
          throw new Error(`get with range ${JSON.stringify(range)} of a ${SIZE}-byte object returned ${got.length} bytes that differ from the ${expected.length} expected`);
        }
        await deleteAll(backend, ['ranged'], 'cleanup');
      });
    }

    it('reads nothing from any range of an empty object', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'empty', new Uint8Array(0));
      for (const range of [{ offset: 0 }, { offset: 0, length: 5 }, { offset: 3 }]) {
        const got = await readAll(await backend.get('empty', { range }));
        expect(got.length, `bytes read from the empty object with range ${JSON.stringify(range)}`).toBe(0);
      }
      await deleteAll(backend, ['empty'], 'cleanup');
    });

    it('a range of a missing key is NOT_FOUND', async () => {
      await expectS3loError(suite.backend().get('missing', { range: { offset: 0, length: 1 } }), 'NOT_FOUND', 'ranged get of a missing key');
    });
  });

  describe('stat and missing keys', () => {
    it('stat reports the key, the size and a lastModified close to now', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'stat/me', payloadBytes('stat', 12_345));
      const info = await backend.stat('stat/me');
      expect(info.key, 'stat key').toBe('stat/me');
      expect(info.size, 'stat size').toBe(12_345);
      expect(info.lastModified, 'stat lastModified').toBeInstanceOf(Date);
      const skew = Math.abs(info.lastModified.getTime() - Date.now());
      if (!(skew <= target.clockToleranceMs)) {
        throw new Error(`stat lastModified ${info.lastModified.toISOString()} is ${skew} ms from now, more than the ${target.clockToleranceMs} ms allowed`);
      }
      await deleteAll(backend, ['stat/me'], 'cleanup');
    });

    it('stat and get of a missing key are NOT_FOUND, get before returning any stream', async () => {
      const backend = suite.backend();
      for (const key of ['missing', 'no/such/prefix/key', 'blobs/sha256/4040404040404040404040404040404040404040404040404040404040404040']) {
        await expectS3loError(backend.stat(key), 'NOT_FOUND', `stat(${JSON.stringify(key)})`);
        // expectS3loError fails when get resolves at all: a stream that only errors later is not enough.
        await expectS3loError(backend.get(key), 'NOT_FOUND', `get(${JSON.stringify(key)}) must reject, not resolve to a stream`);
      }
    });

    it('a key that is only the prefix of other keys is NOT_FOUND', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'parent/child', 'x');
      for (const key of ['parent', 'par']) {
        await expectS3loError(backend.stat(key), 'NOT_FOUND', `stat(${JSON.stringify(key)}) while "parent/child" exists`);
        await expectS3loError(backend.get(key), 'NOT_FOUND', `get(${JSON.stringify(key)}) while "parent/child" exists`);
      }
      await deleteAll(backend, ['parent/child'], 'cleanup');
    });

    it('a key below an existing object is NOT_FOUND', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'leaf', 'x');
      await expectS3loError(backend.stat('leaf/below'), 'NOT_FOUND', 'stat("leaf/below") while "leaf" is an object');
      await expectS3loError(backend.get('leaf/below'), 'NOT_FOUND', 'get("leaf/below") while "leaf" is an object');
      await deleteAll(backend, ['leaf'], 'cleanup');
    });

    it('get resolves to a Readable', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'readable', 'bytes');
      const stream = await backend.get('readable');
      expect(stream, 'get() result').toBeInstanceOf(Readable);
      expect((await readAll(stream)).toString(), 'content').toBe('bytes');
      await deleteAll(backend, ['readable'], 'cleanup');
    });
  });
}
