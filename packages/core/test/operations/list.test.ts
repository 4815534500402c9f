import { describe, expect, it } from 'vitest';
import { list } from '../../src/image/operations/index.js';
import { compareUtf8 } from '../../src/image/operations/compare.js';
import { memoryBucket } from './memory-backend.js';
import { pushImage, randomLayer } from './images.js';

describe('list (logic, in-memory test double)', () => {
  it('is empty for an empty bucket', async () => {
    const { registry, url } = memoryBucket();
    expect(await list(url, { registry })).toEqual([]);
  });

  it('sorts names then tags in byte order and ignores what is not a tag', async () => {
    const { registry, store, backend, url } = memoryBucket();
    const layer = randomLayer();
    for (const [image, tag] of [
      ['b', 'v1'],
      ['a/z', 'v1'],
      ['a', 'v10'],
      ['a', 'v2'],
      ['a', 'V3'],
      ['B', 'latest'],
      ['a-b', 'x'],
    ] as const) {
      await pushImage(store, image, tag, [layer]);
    }
    await backend.put('manifests/a/old/config.json', Buffer.from('{}'));
    await backend.put('manifests/a/v2/signatures/k.json', Buffer.from('{}'));
    await backend.put('s3lo.yaml', Buffer.from('x: 1'));
    expect(await list(url, { registry })).toEqual([
      { name: 'B', tags: ['latest'] },
      { name: 'a', tags: ['V3', 'v10', 'v2'] },
      { name: 'a-b', tags: ['x'] },
      { name: 'a/z', tags: ['v1'] },
      { name: 'b', tags: ['v1'] },
    ]);
  });

  it('scopes to whole name components of the filter', async () => {
    const { registry, store, url } = memoryBucket();
    const layer = randomLayer();
    for (const image of ['team', 'team/app', 'team/sub/x', 'teams/app', 'teamwork']) await pushImage(store, image, 'v1', [layer]);
    const names = async (ref: string) => (await list(ref, { registry })).map((i) => i.name);
    expect(await names(`${url}/team/`)).toEqual(['team', 'team/app', 'team/sub/x']);
    expect(await names(`${url}/team`)).toEqual(['team', 'team/app', 'team/sub/x']);
    expect(await names(`${url}/team/sub/`)).toEqual(['team/sub/x']);
    expect(await names(`${url}/nothing/`)).toEqual([]);
  });

  it('compares in UTF-8 byte order, also where UTF-16 order differs', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 ...),
    // though its UTF-16 code unit 0xFF5E is above the surrogate 0xD83D.
    expect(['\u{1F600}', '\uFF5E', 'a', 'B'].sort(compareUtf8)).toEqual(['B', 'a', '\uFF5E', '\u{1F600}']);
  });
});
