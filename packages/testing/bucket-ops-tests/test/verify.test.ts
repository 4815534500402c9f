import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isAbortError, type Digest } from '@s3lo/core';
import { copy, gc, GcRunLayout, verify, writeLease, type VerifyLeftovers, type VerifyResult } from '@s3lo/core/image';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobKey, blobOf, config, createBucket, layer, OCI_INDEX, OCI_MANIFEST, registryAround, registryWithHooks, type Built, type TestBucket } from './support/bucket.js';
import { rejection } from './support/rejection.js';

// The bucket under test, and a second bucket holding the same images: the
// source that pushes (copies) are made from.
let bucket: TestBucket;
let source: TestBucket;
beforeEach(async () => {
  bucket = await createBucket();
  source = await createBucket();
});
afterEach(async () => {
  await bucket.cleanup();
  await source.cleanup();
});

const RESULT_KEYS = ['checked', 'brokenTags', 'corruptBlobs', 'danglingTags', 'leftovers', 'missingBlobs', 'reference', 'repair', 'scope', 'sound', 'unreadableManifests'].sort();
const options = () => ({ registry: bucket.registry });
const NO_LEFTOVERS: VerifyLeftovers = {
  gcRuns: { active: 0, expired: 0, capped: 0, unreadable: 0, removed: 0, expiredKeys: [] },
  leases: { active: 0, expired: 0, expiredKeys: [], unreadable: null },
  uploads: { checked: true, found: 0, kept: 0, stale: 0, aborted: 0, staleUploads: [] },
};

/** The same image pushed to both buckets: blobs, then the tag. */
async function pushBoth(image: string, tag: string, layers = [layer(300), layer(4000)], cfg = config('linux', 'amd64')): Promise<Built> {
  await source.push(image, tag, layers, cfg);
  return bucket.push(image, tag, layers, cfg);
}

/** A two-platform index in both buckets, sharing `shared` between the platforms. */
async function pushIndexBoth(image: string, tag: string, shared = layer(500)) {
  const make = async (b: TestBucket, amd: Built['layers'], arm: Built['layers'], cfgs: [ReturnType<typeof config>, ReturnType<typeof config>]) =>
    b.pushIndex(image, tag, [
      { platform: { os: 'linux', architecture: 'amd64' }, manifest: await b.putManifest(cfgs[0], amd) },
      { platform: { os: 'linux', architecture: 'arm64' }, manifest: await b.putManifest(cfgs[1], arm) },
    ]);
  const amd = [shared, layer(100)];
  const arm = [shared, layer(101)];
  const cfgs: [ReturnType<typeof config>, ReturnType<typeof config>] = [config('linux', 'amd64'), config('linux', 'arm64')];
  await make(source, amd, arm, cfgs);
  return make(bucket, amd, arm, cfgs);
}

const push = (imageAndTag: string, extra: Record<string, unknown> = {}) => copy(source.ref(imageAndTag), bucket.ref(imageAndTag), { registry: bucket.registry, ...extra });

async function storedDigest(digest: Digest): Promise<string> {
  return blobOf(await readFile(join(bucket.dir, ...blobKey(digest).split('/')))).digest;
}

describe('verify: a sound bucket', () => {
  it('hashes every blob and manifest once, and reports nothing broken, in a stable shape', async () => {
    const single = await pushBoth('team/app', 'v1');
    const index = await pushIndexBoth('team/multi', 'v1');
    await bucket.push('team/app', 'v2', single.layers, single.config); // shares every blob with v1

    const starts: unknown[] = [];
    const progress = new Map<string, number>();
    const done: string[] = [];
    const result = await verify(bucket.url, {
      ...options(),
      onStart: (start) => starts.push(start),
      onProgress: ({ digest, bytes, size }) => {
        expect(bytes).toBeLessThanOrEqual(size);
        progress.set(digest, bytes);
      },
      onBlob: (blob) => {
        expect(blob.status).toBe('sound');
        done.push(blob.digest);
      },
    });
    expect(Object.keys(result).sort()).toEqual(RESULT_KEYS);
    // single: config + 2 layers; index: 2 children + 2 configs + shared + 2 own layers.
    const blobs = [single.config, ...single.layers];
    expect(result).toEqual({
      reference: bucket.url,
      scope: 'bucket',
      sound: true,
      checked: { tags: 3, manifests: 3 + 2, blobs: 3 + 7, bytes: expect.any(Number) },
      danglingTags: [],
      brokenTags: [],
      corruptBlobs: [],
      missingBlobs: [],
      unreadableManifests: [],
      repair: null,
      leftovers: NO_LEFTOVERS,
    } satisfies VerifyResult);
    const stored = (await bucket.keys()).filter((key) => key.startsWith('blobs/'));
    let storedBytes = 0;
    for (const key of stored) storedBytes += (await readFile(join(bucket.dir, ...key.split('/')))).length;
    expect(result.checked.bytes).toBe(storedBytes);
    // The children were read (and hashed) with the manifests; the blob pass hashed the other 8 once each.
    expect(starts).toEqual([{ tags: 3, blobs: 8, totalBytes: storedBytes - (await childBytes(index.childDigests)) }]);
    expect(done.sort()).toEqual([...new Set(done)].sort());
    expect(done).toHaveLength(8);
    for (const blob of blobs) expect(progress.get(blob.digest)).toBe(blob.size);
    expect(await bucket.keys()).not.toContain(expect.stringMatching(/^gc-runs\//));
  });
});

async function childBytes(digests: readonly Digest[]): Promise<number> {
  let total = 0;
  for (const digest of digests) total += (await readFile(join(bucket.dir, ...blobKey(digest).split('/')))).length;
  return total;
}

describe('verify: a corrupt blob of the right size (the regression)', () => {
  it('push skips it, --verify-existing heals it; verify names it and its tags; repair deletes it; the next push restores it', async () => {
    const shared = layer(5000);
    const v1 = await pushBoth('team/app', 'v1', [shared, layer(10)]);
    await pushBoth('team/api', 'v1', [shared, layer(20)]);
    const multi = await pushIndexBoth('team/multi', 'v1', shared);
    await bucket.tamper(shared.digest);

    // A push trusts it: same size, skipped, still corrupt.
    const trusting = await push('team/app:v1');
    expect(trusting).toMatchObject({ blobsCopied: 0, blobsSkipped: 3, blobsRepaired: 0 });
    expect(await storedDigest(shared.digest)).not.toBe(shared.digest);

    // verifyExisting re-hashes it, rewrites it, says so.
    const reported: [Digest, number][] = [];
    const healing = await push('team/app:v1', { verifyExisting: true, onCorruptExisting: (digest: Digest, size: number) => reported.push([digest, size]) });
    expect(healing).toMatchObject({ blobsCopied: 1, blobsSkipped: 2, blobsRepaired: 1, bytesCopied: shared.size });
    expect(reported).toEqual([[shared.digest, shared.size]]);
    expect(await storedDigest(shared.digest)).toBe(shared.digest);
    expect((await verify(bucket.url, options())).sound).toBe(true);

    // Corrupt again: verify finds it and names every tag it breaks, platforms of the index included.
    await bucket.tamper(shared.digest);
    const found = await verify(bucket.url, options());
    const broken = ['team/api:v1', 'team/app:v1', 'team/multi:v1'];
    expect(found.sound).toBe(false);
    expect(found.corruptBlobs).toEqual([
      { digest: shared.digest, problem: 'digest-mismatch', size: shared.size, actualDigest: await storedDigest(shared.digest), expectedSizes: [shared.size], referenced: true, tags: broken },
    ]);
    expect(found.brokenTags.map((t) => [t.tag, t.corrupt, t.missing, t.unreadable])).toEqual(broken.map((tag) => [tag, [shared.digest], [], []]));
    expect(found.brokenTags.find((t) => t.tag === 'team/multi:v1')?.digest).toBe(multi.digest);
    expect(found.danglingTags).toEqual([]);
    expect(found.repair).toBeNull();

    // Repair deletes exactly it, and says which tags are broken until pushed again.
    const before = await bucket.keys();
    const repaired = await verify(bucket.url, { ...options(), repair: true });
    expect(repaired.repair).toEqual({ deleted: [shared.digest], skipped: [], brokenUntilPush: broken });
    expect(repaired.sound).toBe(false);
    expect(await bucket.keys()).toEqual(before.filter((key) => key !== blobKey(shared.digest)));

    // Now the tags dangle: verify says so.
    const dangling = await verify(bucket.url, options());
    expect(dangling.danglingTags).toEqual(broken.map((tag) => ({ tag, digest: tag === 'team/app:v1' ? v1.digest : expect.any(String), missing: [shared.digest] })));
    expect(dangling.missingBlobs).toEqual([{ digest: shared.digest, tags: broken }]);

    // A plain push (no option) uploads it again; everything is sound.
    expect(await push('team/app:v1')).toMatchObject({ blobsCopied: 1, blobsRepaired: 0 });
    expect(await verify(bucket.url, options())).toMatchObject({ sound: true, corruptBlobs: [], missingBlobs: [], danglingTags: [] });
  });

  it('a corrupt child manifest of an index: found, deleted by repair, restored by a push of the index', async () => {
    const multi = await pushIndexBoth('team/multi', 'v1');
    const child = multi.childDigests[1] as Digest;
    await bucket.tamper(child);

    const found = await verify(bucket.ref('team/multi:v1'), options());
    expect(found.scope).toBe('image');
    expect(found.corruptBlobs).toEqual([expect.objectContaining({ digest: child, problem: 'digest-mismatch', tags: ['team/multi:v1'] })]);
    expect(found.brokenTags).toEqual([{ tag: 'team/multi:v1', digest: multi.digest, missing: [], corrupt: [child], unreadable: [] }]);

    // verifyExisting rewrites a corrupt child manifest too.
    const healed = await push('team/multi:v1', { verifyExisting: true });
    expect(healed.blobsRepaired).toBe(1);
    expect(await storedDigest(child)).toBe(child);

    await bucket.tamper(child);
    const repaired = await verify(bucket.url, { ...options(), repair: true });
    expect(repaired.repair).toEqual({ deleted: [child], skipped: [], brokenUntilPush: ['team/multi:v1'] });
    expect((await verify(bucket.url, options())).danglingTags).toEqual([{ tag: 'team/multi:v1', digest: multi.digest, missing: [child] }]);
    await push('team/multi:v1');
    expect((await verify(bucket.url, options())).sound).toBe(true);
  });

  it('verifyExisting also rewrites a corrupt blob of another size, and a destination that cannot check is refused before anything is written', async () => {
    const built = await pushBoth('app', 'v1');
    const target = built.layers[0] as Built['layers'][number];
    await writeFile(join(bucket.dir, ...blobKey(target.digest).split('/')), Buffer.from('short'));
    expect(await push('app:v1', { verifyExisting: true })).toMatchObject({ blobsCopied: 1, blobsRepaired: 1 });
    expect(await storedDigest(target.digest)).toBe(target.digest);

    const scratch = await mkdtemp(join(tmpdir(), 's3lo-verify-layout-'));
    try {
      const out = join(scratch, 'out');
      const error = await rejection(copy(source.ref('app:v1'), `oci:${out}:v1`, { registry: bucket.registry, verifyExisting: true }));
      expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(existsSync(out)).toBe(false);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('verify: what else is broken', () => {
  it('a missing layer and a missing child manifest make dangling tags, with which digests', async () => {
    const single = await pushBoth('app', 'v1');
    const multi = await pushIndexBoth('multi', 'v1');
    const gone = single.layers[1] as Built['layers'][number];
    const child = multi.childDigests[0] as Digest;
    await bucket.store.backend.deleteMany([blobKey(gone.digest), blobKey(child)]);

    const result = await verify(bucket.url, options());
    expect(result.danglingTags).toEqual([
      { tag: 'app:v1', digest: single.digest, missing: [gone.digest] },
      { tag: 'multi:v1', digest: multi.digest, missing: [child] },
    ]);
    expect(result.missingBlobs).toEqual(
      [
        { digest: gone.digest, tags: ['app:v1'] },
        { digest: child, tags: ['multi:v1'] },
      ].sort((a, b) => (a.digest < b.digest ? -1 : 1)),
    );
    expect(result.corruptBlobs).toEqual([]);
    // Repair has nothing to delete: a missing blob is not corrupt.
    const repaired = await verify(bucket.url, { ...options(), repair: true });
    expect(repaired.repair).toEqual({ deleted: [], skipped: [], brokenUntilPush: [] });
    expect(await bucket.keys()).not.toContain(expect.stringMatching(/^gc-runs\//));
  });

  it('unparsable manifests (a tag object, a sound child) are reported, with the tags they break', async () => {
    await bucket.push('app', 'good');
    await bucket.store.backend.put('manifests/app/bad/manifest.json', Buffer.from('{"schemaVersion": 2, "oops"'));
    const junk = blobOf('this is not a manifest');
    await bucket.store.putBlob(junk.digest, junk.size, junk.bytes);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: junk.digest, size: junk.size }] }));
    await bucket.store.backend.put('manifests/app/junk-child/manifest.json', index);

    const result = await verify(bucket.url, options());
    expect(result.unreadableManifests).toEqual([
      { key: blobKey(junk.digest), digest: junk.digest, code: 'INVALID_MANIFEST', message: expect.any(String), tags: ['app:junk-child'] },
      { key: 'manifests/app/bad/manifest.json', code: 'INVALID_MANIFEST', message: expect.any(String), tags: ['app:bad'] },
    ]);
    expect(result.brokenTags.map((t) => [t.tag, t.unreadable])).toEqual([
      ['app:bad', ['manifests/app/bad/manifest.json']],
      ['app:junk-child', [blobKey(junk.digest)]],
    ]);
    expect(result.corruptBlobs).toEqual([]);
    expect(result.sound).toBe(false);
    // The junk child hashes to its key: repair leaves it.
    expect((await verify(bucket.url, { ...options(), repair: true })).repair?.deleted).toEqual([]);
    expect(await bucket.keys()).toContain(blobKey(junk.digest));
  });

  it('a descriptor stating the wrong size: a size mismatch blamed on that tag only, and never deleted', async () => {
    const good = await bucket.push('app', 'good');
    const blob = good.layers[0] as Built['layers'][number];
    const wrong = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: good.config.digest, size: good.config.size },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: blob.digest, size: blob.size + 1 }],
      }),
    );
    await bucket.store.backend.put('manifests/app/wrong/manifest.json', wrong);

    const result = await verify(bucket.url, { ...options(), repair: true });
    expect(result.corruptBlobs).toEqual([
      { digest: blob.digest, problem: 'size-mismatch', size: blob.size, actualDigest: blob.digest, expectedSizes: [blob.size, blob.size + 1], referenced: true, tags: ['app:wrong'] },
    ]);
    expect(result.brokenTags.map((t) => t.tag)).toEqual(['app:wrong']);
    expect(result.repair).toEqual({ deleted: [], skipped: [], brokenUntilPush: [] });
    expect(await storedDigest(blob.digest)).toBe(blob.digest);
  });

  it('a whole-bucket scan reports a corrupt unreferenced blob (and repair deletes it); a name filter does not look at it', async () => {
    await bucket.push('team/app', 'v1');
    const orphan = layer(700);
    await bucket.store.putBlob(orphan.digest, orphan.size, orphan.bytes);
    await bucket.tamper(orphan.digest);

    const scoped = await verify(bucket.ref('team/'), options());
    expect(scoped).toMatchObject({ scope: 'images', reference: bucket.ref('team/'), sound: true, checked: { tags: 1, blobs: 2 } });

    const whole = await verify(bucket.url, options());
    expect(whole.corruptBlobs).toEqual([expect.objectContaining({ digest: orphan.digest, problem: 'digest-mismatch', referenced: false, expectedSizes: [], tags: [] })]);
    expect(whole.brokenTags).toEqual([]);
    expect(whole.sound).toBe(false);
    const repaired = await verify(bucket.url, { ...options(), repair: true });
    expect(repaired.repair).toEqual({ deleted: [orphan.digest], skipped: [], brokenUntilPush: [] });
    expect((await verify(bucket.url, options())).sound).toBe(true);
  });
});

describe('verify: scopes', () => {
  it('a name filter takes whole components; a tag takes that tag; a digest the tags holding it, as top or child', async () => {
    const shared = layer(900);
    await pushBoth('team', 'app', [shared]); // image "team", tag "app": the prefix trap of the bucket format
    await pushBoth('team/app', 'v1', [shared, layer(30)]);
    await pushBoth('teams/app', 'v1', [shared]);
    const multi = await pushIndexBoth('team/multi', 'v1', shared);
    await bucket.tamper(shared.digest);

    const tagsOf = (r: VerifyResult) => r.brokenTags.map((t) => t.tag);
    expect(tagsOf(await verify(bucket.ref('team/'), options()))).toEqual(['team/app:v1', 'team/multi:v1', 'team:app'].sort());
    expect(tagsOf(await verify(`${bucket.url}team`, options()))).toEqual(['team/app:v1', 'team/multi:v1', 'team:app'].sort());
    expect(tagsOf(await verify(bucket.ref('team/app'), options()))).toEqual(['team/app:v1']);
    const one = await verify(bucket.ref('team:app'), options());
    expect([one.scope, one.reference, one.checked.tags, tagsOf(one)]).toEqual(['image', bucket.ref('team:app'), 1, ['team:app']]);

    // By digest of the index, and of one of its children: the tag holding it.
    const byIndex = await verify(bucket.ref(`team/multi@${multi.digest}`), options());
    expect([byIndex.checked.tags, tagsOf(byIndex)]).toEqual([1, ['team/multi:v1']]);
    const byChild = await verify(bucket.ref(`team/multi@${multi.childDigests[1]}`), options());
    expect([byChild.checked.tags, tagsOf(byChild)]).toEqual([1, ['team/multi:v1']]);
    // A tag of the image that cannot be parsed might hold the digest: it is in scope, and reported.
    await bucket.store.backend.put('manifests/team/multi/broken/manifest.json', Buffer.from('not json'));
    const withBroken = await verify(bucket.ref(`team/multi@${multi.childDigests[1]}`), options());
    expect([withBroken.checked.tags, tagsOf(withBroken), withBroken.unreadableManifests.map((m) => m.key)]).toEqual([
      2,
      ['team/multi:broken', 'team/multi:v1'],
      ['manifests/team/multi/broken/manifest.json'],
    ]);

    expect((await rejection(verify(bucket.ref('team/app:nope'), options()))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await rejection(verify(bucket.ref(`team/app@sha256:${'0'.repeat(64)}`), options()))).code).toBe(ErrorCode.NOT_FOUND);
    expect((await rejection(verify(`${bucket.url}team/app:v1:x`, options()))).code).toBe(ErrorCode.INVALID_REFERENCE);
    expect((await rejection(verify(bucket.url, { ...options(), concurrency: 0 }))).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('verify --repair against other writers', () => {
  /** A verify whose backend runs `beforeRehash` right before the repair's second read of `digest`. */
  function registryRehashing(digest: Digest, beforeRehash: () => Promise<void>) {
    let reads = 0;
    return registryWithHooks({
      get: async (key) => {
        if (key === blobKey(digest) && ++reads === 2) await beforeRehash();
      },
    });
  }

  it('keeps a blob that a push rewrote with the right bytes before the re-hash', async () => {
    const built = await pushBoth('app', 'v1');
    const target = built.layers[1] as Built['layers'][number];
    await bucket.tamper(target.digest);
    const registry = registryRehashing(target.digest, async () => {
      await bucket.store.putBlob(target.digest, target.size, target.bytes);
    });
    const result = await verify(bucket.url, { registry, repair: true });
    expect(result.repair).toEqual({ deleted: [], skipped: [{ digest: target.digest, reason: 'rewritten' }], brokenUntilPush: [] });
    expect(await storedDigest(target.digest)).toBe(target.digest);
    expect((await verify(bucket.url, options())).sound).toBe(true);
  });

  it('reports a blob gone before the re-hash (and the tags that need a push)', async () => {
    const built = await pushBoth('app', 'v1');
    const target = built.layers[1] as Built['layers'][number];
    await bucket.tamper(target.digest);
    const registry = registryRehashing(target.digest, async () => {
      await bucket.store.backend.deleteMany([blobKey(target.digest)]);
    });
    const result = await verify(bucket.url, { registry, repair: true });
    expect(result.repair).toEqual({ deleted: [], skipped: [{ digest: target.digest, reason: 'gone' }], brokenUntilPush: ['app:v1'] });
  });

  it('deletes under a GC-run marker (the one a push waits for before its tag write, then re-uploads what is gone), removed afterwards', async () => {
    const built = await pushBoth('app', 'v1');
    const target = built.layers[0] as Built['layers'][number];
    await bucket.tamper(target.digest);
    const markers: string[][] = [];
    const registry = registryWithHooks({
      deleteMany: async (keys) => {
        if ((keys as string[]).includes(blobKey(target.digest))) markers.push((await bucket.keys()).filter((key) => key.startsWith(GcRunLayout.prefix)));
      },
    });
    await verify(bucket.url, { registry, repair: true });
    expect(markers).toHaveLength(1);
    expect(markers[0]).toHaveLength(1);
    expect((await bucket.keys()).filter((key) => key.startsWith(GcRunLayout.prefix))).toEqual([]);
  });

  it('verify without repair writes nothing', async () => {
    const built = await pushBoth('app', 'v1');
    await bucket.tamper((built.layers[0] as Built['layers'][number]).digest);
    const writes: unknown[] = [];
    const registry = registryWithHooks({ put: async (key) => void writes.push(key), deleteMany: async (keys) => void writes.push(keys) });
    expect((await verify(bucket.url, { registry })).sound).toBe(false);
    expect(writes).toEqual([]);
  });
});

describe('verify: concurrency and abort', () => {
  it('never hashes more blobs at once than asked', async () => {
    await pushBoth('app', 'v1', [layer(1000), layer(2000), layer(3000), layer(4000), layer(5000), layer(6000)]);
    let open = 0;
    let most = 0;
    const registry = registryAround((backend) => ({
      async get(key, getOptions) {
        const stream = await backend.get(key, getOptions);
        open++;
        most = Math.max(most, open);
        stream.once('close', () => open--);
        return stream;
      },
    }));
    expect((await verify(bucket.url, { registry, concurrency: 2 })).checked.blobs).toBe(7);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('stops with an abort error when the signal fires', async () => {
    await pushBoth('app', 'v1');
    const controller = new AbortController();
    const error = await verify(bucket.url, { ...options(), onStart: () => controller.abort(), signal: controller.signal }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
  });
});

describe('verify: leftovers of killed GC runs and pushes (whole bucket only)', () => {
  const HOUR = 60 * 60_000;
  /** A file written straight into the bucket, as a killed process left it, `ageMs` old. */
  async function plant(key: string, content: string, ageMs: number): Promise<void> {
    const path = join(bucket.dir, ...key.split('/'));
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    const when = new Date(Date.now() - ageMs);
    await utimes(path, when, when);
  }

  it('counts expired, planted and garbage markers, expired leases and abandoned uploads as gc would, removes nothing; clean then removes the stale ones', async () => {
    const image = await pushBoth('team/app', 'v1');
    const old = new Date(Date.now() - 2 * HOUR).toISOString();
    await plant('gc-runs/killed.json', JSON.stringify({ kind: GcRunLayout.kind, version: 1, started: old, expires: old }), 2 * HOUR);
    await plant('gc-runs/planted.json', JSON.stringify({ kind: GcRunLayout.kind, version: 1, expires: '9999-12-31T23:59:59.000Z' }), 0);
    await plant('gc-runs/garbage.json', 'not a marker', 0);
    const abandoned = `blobs/sha256/.${'f'.repeat(64)}.s3lo-tmp-${'a'.repeat(16)}`;
    await plant(abandoned, 'half a layer', 2 * HOUR);
    const dead = await writeLease(bucket.store, [image.config.digest], { now: new Date(Date.now() - 2 * HOUR), renewEveryMs: 0 });
    const before = await bucket.keys();

    const result = await verify(bucket.url, options());
    expect(result.sound).toBe(true); // leftovers break no image
    expect(result.leftovers).toEqual({
      gcRuns: { active: 1, expired: 1, capped: 1, unreadable: 1, removed: 0, expiredKeys: ['gc-runs/killed.json'] },
      leases: { active: 0, expired: 1, expiredKeys: [dead.key], unreadable: null },
      uploads: { checked: true, found: 1, kept: 0, stale: 1, aborted: 0, staleUploads: [{ key: `blobs/sha256/${'f'.repeat(64)}`, id: abandoned, initiated: expect.any(String) }] },
    } satisfies VerifyLeftovers);
    expect(await bucket.keys()).toEqual(before);
    expect((await verify(bucket.ref('team/app:v1'), options())).leftovers).toBeNull();

    await gc(bucket.url, options());
    const after = await verify(bucket.url, options());
    expect(after.leftovers).toMatchObject({ gcRuns: { expired: 0 }, leases: { expired: 0 }, uploads: { stale: 0 } });
  });

  it('an unreadable lease is reported, not thrown; pending uploads are then not judged', async () => {
    await pushBoth('team/app', 'v1');
    await plant('leases/broken.json', '{ not json', 0);
    const result = await verify(bucket.url, options());
    expect(result.leftovers?.leases.unreadable).toEqual({ key: 'leases/broken.json', message: expect.stringMatching(/^push lease leases\/broken\.json is unusable: it is not JSON/) });
    expect(result.leftovers?.uploads).toBeNull();
  });
});
