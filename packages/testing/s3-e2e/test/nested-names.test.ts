// Issue 8, point 1: deleting a tag never deletes another image's keys.
// `<image>` may contain `/` and a tag can equal a path component, so the
// prefix `manifests/team/app/` is shared by tag `team:app` and by every tag
// of image `team/app`. The same scenario runs on a local directory and on
// Ceph RGW: nested names at several depths, tags equal to path components,
// deletes by tag and by digest, then a real GC and a pull of every tag left.
import { image } from '@s3lo/core';
import { openBucket, type BucketStore } from '@s3lo/core/image';
import { BucketLocation } from '@s3lo/core/ref';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketTargets, layoutTagBytes, makeRegistry, makeTempDir, removeDir, seedImage, type BucketTarget } from './support.js';

const registry = makeRegistry();

describe.each(bucketTargets(registry))('$name: names that nest', ({ make }) => {
  let target: BucketTarget;
  let store: BucketStore;
  const scratch: string[] = [];

  beforeAll(async () => {
    target = await make();
    store = await openBucket(BucketLocation.parse(target.url), target.options);
  });
  afterAll(async () => {
    await store.close();
    await target.remove();
    for (const dir of scratch) await removeDir(dir);
  });

  test('deleting tags by name and by digest removes exactly those tags; gc and a pull of every other tag then succeed', async () => {
    const images: Record<string, { bytes: Buffer; digest: string }> = {};
    const put = async (name: string, tag: string, manifest?: Buffer) => (images[`${name}:${tag}`] = await seedImage(store, name, tag, manifest));
    await put('team/app', 'v1');
    await put('team/app', 'v2');
    await put('team', 'app'); // its prefix manifests/team/app/ holds every tag of team/app
    await put('team/app/x', 'v1');
    await put('team/app', 'x'); // its prefix holds team/app/x's tags
    const shared = await put('org/team/app', 'latest');
    await put('org/team', 'app', shared.bytes); // same manifest, same digest, other image
    await put('org', 'team', shared.bytes);
    await put('org', 'keep');
    // Objects the tag team:app owns besides its manifest: a leftover of an
    // older layout and a signature record (no tag team/app:signatures exists).
    await store.backend.put('manifests/team/app/config.json', Buffer.from('{}'));
    await store.backend.put('manifests/team/app/signatures/0123abcd.json', Buffer.from('{}'));

    const ref = (text: string) => `${target.url}${text}`;
    const del = async (text: string) => (await image.deleteImage(ref(text), target.options)).tags;

    expect(await del('team:app')).toEqual(['app']);
    expect(await del(`org@${shared.digest}`)).toEqual(['team']);
    expect(await del('team/app:x')).toEqual(['x']);
    for (const gone of ['team:app', 'org:team', 'team/app:x']) delete images[gone];

    expect(await image.list(target.url, target.options)).toEqual([
      { name: 'org', tags: ['keep'] },
      { name: 'org/team', tags: ['app'] },
      { name: 'org/team/app', tags: ['latest'] },
      { name: 'team/app', tags: ['v1', 'v2'] },
      { name: 'team/app/x', tags: ['v1'] },
    ]);
    const keys = await target.keys();
    expect(keys.filter((key) => key.startsWith('manifests/'))).toEqual([
      'manifests/org/keep/manifest.json',
      'manifests/org/team/app/latest/manifest.json',
      'manifests/org/team/app/manifest.json',
      'manifests/team/app/v1/manifest.json',
      'manifests/team/app/v2/manifest.json',
      'manifests/team/app/x/v1/manifest.json',
    ]);

    const collected = await image.gc(target.url, { ...target.options, gracePeriodMs: 0 });
    // The config and layer of team:app and of team/app:x; org:team shared its manifest with org/team/app:latest.
    expect(collected.deleted).toBe(4);
    for (const [name, stored] of Object.entries(images)) {
      const out = await makeTempDir('nested-pull');
      scratch.push(out);
      const pulled = await image.pull(ref(name), `oci:${out}:t`, target.options);
      expect(pulled.digest, name).toBe(stored.digest);
      expect((await layoutTagBytes(out, 't')).equals(stored.bytes), name).toBe(true);
    }
  });

  test("a tag's signature records stay when image <image>/<tag> has a tag named signatures (they cannot be told apart)", async () => {
    await seedImage(store, 'sig', 'app');
    const signaturesTag = await seedImage(store, 'sig/app', 'signatures');
    await store.backend.put('manifests/sig/app/signatures/0123abcd.json', Buffer.from('{}'));
    expect(await store.tagObjectKeys('sig', 'app')).toEqual(['manifests/sig/app/manifest.json']);
    expect((await image.deleteImage(`${target.url}sig:app`, target.options)).tags).toEqual(['app']);
    expect((await image.inspect(`${target.url}sig/app:signatures`, target.options)).digest).toBe(signaturesTag.digest);
    expect(await target.keys()).toEqual(expect.arrayContaining(['manifests/sig/app/signatures/0123abcd.json', 'manifests/sig/app/signatures/manifest.json']));
  });
});
