import { describe, expect } from 'vitest';
import { mapConcurrent, type ListOptions, type StorageBackend } from '@s3lo/core/storage';
import { deleteAll, putBytes, type Suite } from '../context.js';
import { expectedListing, sortKeys } from '../keys.js';
import { assertSameKeys, collectListing } from '../listing.js';

/**
 * `count` keys spread over a few prefixes and depths, with some whose UTF-8
 * order differs from UTF-16 order and some sorting around `/`.
 */
function manyKeys(count: number): string[] {
  const keys = new Set<string>(['list/a-sibling', 'list/a.sibling', 'list/readme', 'list/a/\uFFFD', 'list/a/\u{1F600}', 'list/a/caf\u00e9']);
  for (let i = 0; keys.size < count; i++) {
    const n = String(i).padStart(4, '0');
    switch (i % 4) {
      case 0:
        keys.add(`list/a/${n}`);
        break;
      case 1:
        keys.add(`list/b/${i % 10}/${n}`);
        break;
      case 2:
        keys.add(`list/c/deep/er/${n}`);
        break;
      default:
        keys.add(`top-${n}`);
    }
  }
  return [...keys];
}

/** Writes each key with its own UTF-8 bytes as content, `concurrency` at a time. */
export async function putKeys(backend: StorageBackend, keys: readonly string[], concurrency: number): Promise<void> {
  await mapConcurrent(keys, concurrency, undefined, async (key) => {
    try {
      await putBytes(backend, key, key);
    } catch (error) {
      throw new Error(`writing ${JSON.stringify(key)} failed`, { cause: error });
    }
  });
}

async function expectListing(backend: StorageBackend, keys: readonly string[], options: Omit<ListOptions, 'continuationToken'>, label: string): Promise<number> {
  const listing = await collectListing(backend, options, label);
  const expected = expectedListing(keys, options);
  assertSameKeys(listing.entries, expected.entries, label);
  assertSameKeys(listing.commonPrefixes, expected.commonPrefixes, `${label} (commonPrefixes)`);
  for (const object of listing.objects) {
    const size = Buffer.byteLength(object.key, 'utf8');
    if (object.size !== size) throw new Error(`${label}: ${JSON.stringify(object.key)} listed with size ${object.size}, written with ${size}`);
  }
  return listing.pages.length;
}

export function listTests(suite: Suite): void {
  const { target, it } = suite;

  describe('list', () => {
    it('an empty bucket lists nothing', async () => {
      const backend = suite.backend();
      for (const options of [{}, { prefix: 'blobs/' }, { delimiter: '/' }, { prefix: 'x', delimiter: '/', pageSize: 1 }]) {
        const page = await backend.list(options);
        expect({ objects: page.objects, commonPrefixes: page.commonPrefixes, nextToken: page.nextToken }, `list(${JSON.stringify(options)}) of an empty bucket`).toEqual({
          objects: [],
          commonPrefixes: [],
          nextToken: undefined,
        });
      }
    });

    it(
      `lists ${target.manyKeysCount} keys page by page: all, by prefix, by delimiter, resuming from tokens`,
      async () => {
        const backend = suite.backend();
        const keys = manyKeys(target.manyKeysCount);
        await putKeys(backend, keys, target.writeConcurrency);

        const defaultPages = await expectListing(backend, keys, {}, 'all keys, default page size');
        expect(defaultPages, `pages of ${keys.length} keys at the default page size of 1000`).toBeGreaterThanOrEqual(2);
        await expectListing(backend, keys, { pageSize: 128 }, 'all keys, pageSize 128');
        await expectListing(backend, keys, { pageSize: 5000 }, 'all keys, pageSize 5000 (capped at 1000)');
        await expectListing(backend, keys, { prefix: 'list/a/' }, 'prefix "list/a/"');
        await expectListing(backend, keys, { prefix: 'list/a/', pageSize: 100 }, 'prefix "list/a/", pageSize 100');
        await expectListing(backend, keys, { prefix: 'list/a/00' }, 'prefix "list/a/00" (not on a "/" boundary)');
        await expectListing(backend, keys, { prefix: 'top-' }, 'prefix "top-"');
        await expectListing(backend, keys, { delimiter: '/' }, 'delimiter "/"');
        await expectListing(backend, keys, { delimiter: '/', pageSize: 30 }, 'delimiter "/", pageSize 30');
        await expectListing(backend, keys, { prefix: 'list/', delimiter: '/' }, 'prefix "list/", delimiter "/"');
        await expectListing(backend, keys, { prefix: 'list/b/', delimiter: '/', pageSize: 3 }, 'prefix "list/b/", delimiter "/", pageSize 3');
        await expectListing(backend, keys, { prefix: 'list/c/', delimiter: '/', pageSize: 1 }, 'prefix "list/c/", delimiter "/", pageSize 1');

        // A token is a stateless cursor: using it twice gives the same page, and
        // the page continues exactly where the previous one ended.
        const first = await backend.list({ pageSize: 10 });
        expect(first.nextToken, 'nextToken of the first page of 10').toBeTypeOf('string');
        const again = await backend.list({ pageSize: 10, continuationToken: first.nextToken });
        const twice = await backend.list({ pageSize: 10, continuationToken: first.nextToken });
        expect(
          twice.objects.map((o) => o.key),
          'the same token used twice',
        ).toEqual(again.objects.map((o) => o.key));
        const sorted = sortKeys(keys);
        assertSameKeys(
          [...first.objects, ...again.objects].map((o) => o.key),
          sorted.slice(0, 20),
          'first two pages of 10',
        );

        // Deleting more than 1000 keys in one call is part of the contract too.
        const result = await backend.deleteMany(keys);
        expect(result.failed, 'deleteMany failures').toEqual([]);
        expect(result.deleted.length, 'keys reported deleted').toBe(keys.length);
      },
      target.slowTimeoutMs,
    );

    it('orders keys by UTF-8 bytes, around "/" and beyond the BMP', async () => {
      const backend = suite.backend();
      const keys = ['order/B', 'order/a-b', 'order/a.b', 'order/a/b', 'order/a0', 'order/~', 'order/caf\u00e9', 'order/\u65e5\u672c', 'order/\uFFFD', 'order/\u{1F600}'];
      await putKeys(backend, keys, target.writeConcurrency);
      await expectListing(backend, keys, {}, 'all keys');
      await expectListing(backend, keys, { pageSize: 2 }, 'all keys, pageSize 2');
      await expectListing(backend, keys, { pageSize: 1 }, 'all keys, pageSize 1');
      await expectListing(backend, keys, { prefix: 'order/', delimiter: '/' }, 'prefix "order/", delimiter "/"');
      await expectListing(backend, keys, { prefix: 'order/', delimiter: '/', pageSize: 1 }, 'prefix "order/", delimiter "/", pageSize 1');
      await deleteAll(backend, keys, 'cleanup');
    });

    it('a prefix that is not on a "/" boundary selects the keys that start with it', async () => {
      const backend = suite.backend();
      const hex = (start: string) => start + '0'.repeat(64 - start.length);
      const keys = [
        `blobs/sha256/${hex('a')}`,
        `blobs/sha256/${hex('ab')}`,
        `blobs/sha256/${hex('ab12')}`,
        `blobs/sha256/${hex('abff')}`,
        `blobs/sha256/${hex('ac')}`,
        `blobs/sha256/ab/nested`,
        `blobs/sha256-not/${hex('ab')}`,
      ];
      await putKeys(backend, keys, target.writeConcurrency);
      await expectListing(backend, keys, { prefix: 'blobs/sha256/ab' }, 'prefix "blobs/sha256/ab"');
      await expectListing(backend, keys, { prefix: 'blobs/sha256/ab', pageSize: 1 }, 'prefix "blobs/sha256/ab", pageSize 1');
      await expectListing(backend, keys, { prefix: 'blobs/sha256/ab', delimiter: '/' }, 'prefix "blobs/sha256/ab", delimiter "/"');
      await expectListing(backend, keys, { prefix: 'blobs/sha256' }, 'prefix "blobs/sha256"');
      await expectListing(backend, keys, { prefix: 'blobs/sha256', delimiter: '/' }, 'prefix "blobs/sha256", delimiter "/"');
      await expectListing(backend, keys, { prefix: `blobs/sha256/${hex('ab')}` }, 'a prefix equal to a whole key');
      await expectListing(backend, keys, { prefix: 'blobs/sha256/zz' }, 'a prefix matching nothing');
      await deleteAll(backend, keys, 'cleanup');
    });

    it('delimiter "/" groups keys at any depth into one common prefix each', async () => {
      const backend = suite.backend();
      const keys = ['manifests/org/team/app/v1/manifest.json', 'manifests/org/team/app/v2/manifest.json', 'manifests/other/latest/manifest.json', 'manifests/top'];
      await putKeys(backend, keys, target.writeConcurrency);
      for (const prefix of [undefined, 'manifests/', 'manifests/org/', 'manifests/org/team/app/', 'manifests/o']) {
        await expectListing(backend, keys, { prefix, delimiter: '/' }, `prefix ${JSON.stringify(prefix)}, delimiter "/"`);
        await expectListing(backend, keys, { prefix, delimiter: '/', pageSize: 1 }, `prefix ${JSON.stringify(prefix)}, delimiter "/", pageSize 1`);
      }
      await deleteAll(backend, keys, 'cleanup');
    });

    it('lists each object with its size and a lastModified matching stat', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'sized/a', 'abc');
      await putBytes(backend, 'sized/b', new Uint8Array(0));
      const page = await backend.list({ prefix: 'sized/' });
      expect(
        page.objects.map((o) => [o.key, o.size]),
        'listed keys and sizes',
      ).toEqual([
        ['sized/a', 3],
        ['sized/b', 0],
      ]);
      for (const object of page.objects) {
        const info = await backend.stat(object.key);
        const apart = Math.abs(info.lastModified.getTime() - object.lastModified.getTime());
        // Some stores report listing times and HEAD times at different precisions.
        if (apart > 2000) throw new Error(`${object.key}: list says lastModified ${object.lastModified.toISOString()}, stat says ${info.lastModified.toISOString()}`);
      }
      await deleteAll(backend, ['sized/a', 'sized/b'], 'cleanup');
    });
  });
}
