import { describe, expect } from 'vitest';
import { deleteAll, expectAbsent, expectBucketHolds, expectContent, putBytes, watchedBody, type Suite } from '../context.js';
import { expectS3loError } from '../expect-error.js';
import { AWKWARD_KEYS, INVALID_KEYS, INVALID_PREFIXES } from '../keys.js';
import { collectListing } from '../listing.js';

export function keyTests(suite: Suite): void {
  const { target, it } = suite;

  describe('keys', () => {
    it('keys with spaces, URL syntax and non-ASCII text round trip through put, get, stat, list and delete', async () => {
      const backend = suite.backend();
      for (const key of AWKWARD_KEYS) {
        await putBytes(backend, key, `content of ${key}`);
      }
      for (const key of AWKWARD_KEYS) {
        await expectContent(backend, key, `content of ${key}`, `get(${JSON.stringify(key)})`);
        const info = await backend.stat(key);
        expect(info.key, `stat(${JSON.stringify(key)}).key`).toBe(key);
        expect(info.size, `stat(${JSON.stringify(key)}).size`).toBe(Buffer.byteLength(`content of ${key}`));
      }
      await expectBucketHolds(backend, AWKWARD_KEYS, 'listing awkward keys');
      const grouped = await collectListing(backend, { prefix: 'awkward/', delimiter: '/' }, 'awkward keys by "/"');
      expect(grouped.commonPrefixes, 'common prefixes under "awkward/"').toEqual(['awkward/\u65e5\u672c/']);
      const result = await backend.deleteMany(AWKWARD_KEYS);
      expect(result.failed, 'deleteMany failures').toEqual([]);
      for (const key of AWKWARD_KEYS) await expectAbsent(backend, key, 'after deleting awkward keys');
    });

    it('invalid keys are refused with INVALID_KEY by every method, before anything is written', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'valid', 'v');
      for (const [key, why] of INVALID_KEYS) {
        const label = `${why} key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 37)}...` : key)}`;
        const watched = watchedBody(Buffer.from('must not be written'));
        await expectS3loError(backend.put(key, watched.body), 'INVALID_KEY', `put of a ${label}`);
        if (watched.consumed()) throw new Error(`put of a ${label} read its body before refusing the key`);
        if (backend.capabilities.conditionalCreate) {
          await expectS3loError(backend.put(key, Buffer.from('x'), { ifNoneMatch: '*' }), 'INVALID_KEY', `conditional put of a ${label}`);
        }
        await expectS3loError(backend.get(key), 'INVALID_KEY', `get of a ${label}`);
        await expectS3loError(backend.get(key, { range: { offset: 1 } }), 'INVALID_KEY', `ranged get of a ${label}`);
        await expectS3loError(backend.stat(key), 'INVALID_KEY', `stat of a ${label}`);
        await expectS3loError(backend.deleteMany([key]), 'INVALID_KEY', `deleteMany of a ${label}`);
        if (backend.copy !== undefined && backend.capabilities.serverSideCopy) {
          await expectS3loError(backend.copy(key, 'valid-copy'), 'INVALID_KEY', `copy from a ${label}`);
          await expectS3loError(backend.copy('valid', key), 'INVALID_KEY', `copy onto a ${label}`);
        }
        if (backend.presignGet !== undefined && backend.capabilities.presignedGet) {
          await expectS3loError(backend.presignGet(key, { expiresInSeconds: 60 }), 'INVALID_KEY', `presignGet of a ${label}`);
        }
      }
      await expectBucketHolds(backend, ['valid'], 'after refusing invalid keys');
      await deleteAll(backend, ['valid'], 'cleanup');
    });

    it('invalid listing prefixes are refused with INVALID_KEY', async () => {
      const backend = suite.backend();
      for (const prefix of INVALID_PREFIXES) {
        await expectS3loError(backend.list({ prefix }), 'INVALID_KEY', `list({ prefix: ${JSON.stringify(prefix)} })`);
      }
    });

    for (const [first, second] of [
      ['nest', 'nest/child'],
      ['nest/child', 'nest'],
    ] as const) {
      it(
        `"${first}" then "${second}": both are stored, or the second is refused with INVALID_KEY`,
        async () => {
          // Object stores hold both; a filesystem cannot have a file and a
          // directory of the same name. Either is fine, a half-done write is not.
          const backend = suite.backend();
          await putBytes(backend, first, 'first');
          let stored = true;
          try {
            await putBytes(backend, second, 'second');
          } catch (error) {
            await expectS3loError(Promise.reject(error), 'INVALID_KEY', `put(${JSON.stringify(second)}) after put(${JSON.stringify(first)})`);
            stored = false;
          }
          await expectContent(backend, first, 'first', `${JSON.stringify(first)} after writing ${JSON.stringify(second)}`);
          if (stored) await expectContent(backend, second, 'second', `${JSON.stringify(second)}`);
          else await expectAbsent(backend, second, `${JSON.stringify(second)} after it was refused`);
          await expectBucketHolds(backend, stored ? [first, second] : [first], 'after writing both');
          await deleteAll(backend, stored ? [first, second] : [first], 'cleanup');
        },
        target.timeoutMs,
      );
    }
  });
}
