import { describe, expect } from 'vitest';
import { S3loError } from '@s3lo/core/storage';
import { deleteAll, expectAbsent, expectBucketHolds, expectContent, putBytes, type Suite } from '../context.js';
import { describeError, expectS3loError } from '../expect-error.js';
import { putKeys } from './listing.js';

export function deleteTests(suite: Suite): void {
  const { target, it } = suite;

  describe('deleteMany', () => {
    it('deletes existing keys and reports missing ones as deleted too', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'del/a', 'a');
      await putBytes(backend, 'del/deep/b', 'b');
      const keys = ['del/a', 'del/deep/b', 'del/never-written', 'no/such/prefix/at/all'];
      const result = await backend.deleteMany(keys);
      expect(result.failed, 'failed').toEqual([]);
      expect([...result.deleted].sort(), 'deleted').toEqual([...keys].sort());
      for (const key of keys) await expectAbsent(backend, key, 'after deleteMany');
      await expectBucketHolds(backend, [], 'after deleteMany');
    });

    it('deleting nothing returns empty results', async () => {
      const result = await suite.backend().deleteMany([]);
      expect({ deleted: result.deleted, failed: result.failed }, 'deleteMany([])').toEqual({ deleted: [], failed: [] });
    });

    it('deletes only what it is asked to', async () => {
      const backend = suite.backend();
      const keys = ['keep/one', 'keep/one-more', 'keep/onex/y', 'gone/one'];
      await putKeys(backend, keys, target.writeConcurrency);
      await deleteAll(backend, ['gone/one', 'keep/on'], 'deleting one key and a mere prefix');
      await expectBucketHolds(backend, ['keep/one', 'keep/one-more', 'keep/onex/y'], 'after deleting "gone/one" and "keep/on"');
      await deleteAll(backend, ['keep/one', 'keep/one-more', 'keep/onex/y'], 'cleanup');
    });

    it(
      `deletes ${target.manyKeysCount} keys in one call`,
      async () => {
        const backend = suite.backend();
        const keys = Array.from({ length: target.manyKeysCount }, (_, i) => `bulk/${i % 7}/${String(i).padStart(5, '0')}`);
        await putKeys(backend, keys, target.writeConcurrency);
        const result = await backend.deleteMany(keys);
        expect(result.failed, 'failed').toEqual([]);
        expect(new Set(result.deleted).size, 'distinct keys reported deleted').toBe(keys.length);
        await expectBucketHolds(backend, [], `after deleting ${keys.length} keys in one call`);
      },
      target.slowTimeoutMs,
    );

    it('an invalid key anywhere in the batch fails with INVALID_KEY before anything is deleted', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'survivor', 'x');
      await expectS3loError(backend.deleteMany(['survivor', '../escape']), 'INVALID_KEY', 'deleteMany(["survivor", "../escape"])');
      await expectContent(backend, 'survivor', 'x', 'after the refused deleteMany');
      await deleteAll(backend, ['survivor'], 'cleanup');
    });

    it('reports a key that cannot be deleted in `failed` instead of throwing', async ({ skip }) => {
      if (target.blockDelete === undefined) skip('the target has no blockDelete() to make a delete fail');
      const backend = suite.backend();
      await putBytes(backend, 'deletable', 'x');
      const undo = await target.blockDelete!(backend, 'blocked/key');
      let result;
      try {
        result = await backend.deleteMany(['deletable', 'blocked/key']);
      } finally {
        await undo();
      }
      expect(result.deleted, 'deleted').toEqual(['deletable']);
      expect(
        result.failed.map((f) => f.key),
        'failed keys',
      ).toEqual(['blocked/key']);
      const error = result.failed[0]?.error;
      if (!S3loError.isInstance(error)) throw new Error(`the failure of "blocked/key" must be an S3loError, got ${describeError(error)}`);
      await deleteAll(backend, ['blocked/key'], 'cleanup');
      await expectBucketHolds(backend, [], 'after cleanup');
    });
  });
}
