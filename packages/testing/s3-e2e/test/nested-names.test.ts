// Issue 8, point 1: deleting a tag never deletes another image's keys.
// `<image>` may contain `/` and a tag can equal a path component, so the
// prefix `manifests/team/app/` is shared by tag `team:app` and by every tag
// of image `team/app`. The same scenario runs on a local directory and on
// Ceph RGW: nested names at several depths, tags equal to path components,
// deletes by tag and by digest, then a real GC and a pull of every tag left.
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { image, type PluginRegistry } from '@s3lo/core';
import { openBucket, type BucketStore } from '@s3lo/core/image';
import { BucketLocation } from '@s3lo/core/ref';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { backendOptions, cephServer, layoutTagBytes, listKeys, makeRegistry, makeTempDir, removeBucket, removeDir } from './support.js';

const server = cephServer();
const registry = makeRegistry();

interface Target {
  readonly name: string;
  /** `scheme://bucket/` as users type it. */
  readonly url: string;
  readonly options: { registry: PluginRegistry; backendOptions?: Record<string, unknown> };
  keys(): Promise<string[]>;
  remove(): Promise<void>;
}

async function localTarget(): Promise<Target> {
  const dir = await makeTempDir('nested');
  const root = join(dir, 'bucket');
  return {
    name: 'local',
    url: `local://${root}//`,
    options: { registry },
    async keys() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
        .sort();
    },
    remove: () => removeDir(dir),
  };
}

async function cephTarget(): Promise<Target> {
  const s3 = server!;
  const bucket = await s3.createBucket();
  return {
    name: 'ceph-rgw',
    url: `s3://${bucket}/`,
    options: { registry, backendOptions: backendOptions(s3) },
    keys: () => listKeys(s3, bucket),
    remove: () => removeBucket(s3, bucket),
  };
}

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Writes a small image of its own (fresh config and layer) under `image:tag`; returns the manifest bytes and digest. */
async function seed(store: BucketStore, name: string, tag: string, manifest?: Buffer): Promise<{ bytes: Buffer; digest: string }> {
  if (manifest === undefined) {
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] }, name, tag }));
    const layer = randomBytes(1024);
    for (const blob of [config, layer]) await store.putBlob(sha256(blob), blob.length, blob);
    manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
      }),
    );
  }
  await store.writeTag(name, tag, manifest);
  return { bytes: manifest, digest: sha256(manifest) };
}

const targets: (() => Promise<Target>)[] = [localTarget];
if (server !== undefined) targets.push(cephTarget);

describe.each(targets.map((make) => ({ make, name: make === localTarget ? 'local' : 'ceph-rgw' })))('$name: names that nest', ({ make }) => {
  let target: Target;
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
    const put = async (name: string, tag: string, manifest?: Buffer) => (images[`${name}:${tag}`] = await seed(store, name, tag, manifest));
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
    await seed(store, 'sig', 'app');
    const signaturesTag = await seed(store, 'sig/app', 'signatures');
    await store.backend.put('manifests/sig/app/signatures/0123abcd.json', Buffer.from('{}'));
    expect(await store.tagObjectKeys('sig', 'app')).toEqual(['manifests/sig/app/manifest.json']);
    expect((await image.deleteImage(`${target.url}sig:app`, target.options)).tags).toEqual(['app']);
    expect((await image.inspect(`${target.url}sig/app:signatures`, target.options)).digest).toBe(signaturesTag.digest);
    expect(await target.keys()).toEqual(expect.arrayContaining(['manifests/sig/app/signatures/0123abcd.json', 'manifests/sig/app/signatures/manifest.json']));
  });
});
