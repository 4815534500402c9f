import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@s3lo/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { copy, deleteImage, gc, inspect, list, readLeasedDigests, startGcRun, writeLease } from '@s3lo/core/image';
import { blobKey, blobOf, config, createBucket, layer, registryWithListHook, type TestBucket } from './support/bucket.js';
import { rejection } from './support/rejection.js';

const HOUR = 3_600_000;
let bucket: TestBucket;
beforeEach(async () => {
  bucket = await createBucket();
});
afterEach(async () => {
  await bucket.cleanup();
});

const blobKeys = async () => (await bucket.keys()).filter((key) => key.startsWith('blobs/'));

describe('gc on a local bucket', () => {
  it('fails NOT_FOUND for a bucket directory that does not exist, dry run or not, and creates nothing', async () => {
    for (const dryRun of [true, false]) {
      const error = await rejection(gc(bucket.url, { registry: bucket.registry, dryRun }));
      expect(error.code).toBe(ErrorCode.NOT_FOUND);
      expect(error.details['missing']).toBe('bucket');
      expect(existsSync(bucket.dir)).toBe(false);
    }
  });

  it('keeps shared layers when one of two tags is deleted, frees the rest', async () => {
    const shared = layer(1000);
    const v1 = await bucket.push('app', 'v1', [shared, layer(10)]);
    const v2 = await bucket.push('app', 'v2', [shared, layer(20)]);
    await deleteImage(bucket.ref('app:v1'), { registry: bucket.registry });
    await bucket.age('blobs/', 2 * HOUR);

    const result = await gc(bucket.url, { registry: bucket.registry });
    expect(result).toMatchObject({
      dryRun: false,
      roots: 1,
      scanned: 5,
      candidates: 2,
      deleted: 2,
      skippedRecent: 0,
      skippedInUse: 0,
      freedBytes: v1.config.size + 10,
    });
    expect(result.deletedDigests.sort()).toEqual([v1.config.digest, v1.layers[1]!.digest].sort());
    expect(await blobKeys()).toEqual([v2.config, ...v2.layers].map((b) => blobKey(b.digest)).sort());
    // What is left still pulls: every blob of v2 reads back verified.
    for (const blob of [v2.config, ...v2.layers]) expect(await bucket.store.readBlob(blob.digest, 1 << 20)).toEqual(blob.bytes);
  });

  it('reports in a dry run exactly what the real run then deletes', async () => {
    await bucket.push('app', 'v1', [layer(), layer()]);
    const orphans = [layer(11), layer(22), layer(33)];
    for (const o of orphans) await bucket.store.putBlob(o.digest, o.size, o.bytes);
    await bucket.push('app', 'v2');
    await deleteImage(bucket.ref('app:v2'), { registry: bucket.registry });
    await bucket.age('blobs/', 2 * HOUR);
    const before = await bucket.keys();

    const preview = await gc(bucket.url, { registry: bucket.registry, dryRun: true });
    expect(await bucket.keys()).toEqual(before);
    const real = await gc(bucket.url, { registry: bucket.registry });
    const { dryRun: previewFlag, ...previewNumbers } = preview;
    const { dryRun: realFlag, ...realNumbers } = real;
    expect([previewFlag, realFlag]).toEqual([true, false]);
    expect(realNumbers).toEqual(previewNumbers);
    expect(real.deleted).toBe(5);
    // The keys gone are exactly the ones the dry run named.
    const previewKeys = preview.deletedDigests.map(blobKey);
    expect(await bucket.keys()).toEqual(before.filter((key) => !previewKeys.includes(key)));
    // Nothing left to do.
    expect((await gc(bucket.url, { registry: bucket.registry })).deleted).toBe(0);
  });

  it('keeps unreferenced blobs younger than the grace period and counts them', async () => {
    const young = layer(5);
    const old = layer(7);
    for (const o of [young, old]) await bucket.store.putBlob(o.digest, o.size, o.bytes);
    await bucket.age(blobKey(old.digest), 2 * HOUR);
    await bucket.age(blobKey(young.digest), 10 * 60 * 1000);

    const result = await gc(bucket.url, { registry: bucket.registry });
    expect(result).toMatchObject({ scanned: 2, candidates: 2, deleted: 1, skippedRecent: 1, freedBytes: 7, deletedDigests: [old.digest] });
    expect(await blobKeys()).toEqual([blobKey(young.digest)]);
    // `now` moves the clock instead: 11 minutes on, a 1-minute grace lets it go.
    const later = await gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 60_000, now: new Date(Date.now() + 60_000) });
    expect(later).toMatchObject({ deleted: 1, skippedRecent: 0 });
  });

  it('marks index children and their blobs, attestations included', async () => {
    const amd64 = await bucket.putManifest(config('linux', 'amd64'), [layer()]);
    const attestation = await bucket.putManifest(blobOf('{"predicate":1}'), [layer()]);
    await bucket.pushIndex('app', 'multi', [
      { platform: { os: 'linux', architecture: 'amd64' }, manifest: amd64 },
      { platform: { os: 'unknown', architecture: 'unknown' }, manifest: attestation },
    ]);
    const orphan = layer();
    await bucket.store.putBlob(orphan.digest, orphan.size, orphan.bytes);
    const result = await gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 });
    expect(result).toMatchObject({ scanned: 7, candidates: 1, deleted: 1, deletedDigests: [orphan.digest] });
    expect((await inspect(bucket.ref('app:multi'), { registry: bucket.registry })).platforms).toHaveLength(2);
  });

  it('fails closed on a corrupt tag: nothing deleted', async () => {
    await bucket.push('app', 'v1');
    const orphan = layer();
    await bucket.store.putBlob(orphan.digest, orphan.size, orphan.bytes);
    await bucket.store.backend.put('manifests/broken/v1/manifest.json', Buffer.from('{"schemaVersion":2,"config":'));
    const before = await bucket.keys();
    const error = await rejection(gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 }));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.message).toContain('gc deleted nothing');
    expect(error.details['key']).toBe('manifests/broken/v1/manifest.json');
    expect(await bucket.keys()).toEqual(before);
  });

  it('fails closed on a missing or tampered index child: nothing deleted', async () => {
    const amd64 = await bucket.putManifest(config('linux', 'amd64'), [layer()]);
    await bucket.pushIndex('app', 'multi', [{ platform: { os: 'linux', architecture: 'amd64' }, manifest: amd64 }]);
    const orphan = layer();
    await bucket.store.putBlob(orphan.digest, orphan.size, orphan.bytes);

    await bucket.store.backend.put(blobKey(amd64.digest), Buffer.from('{"schemaVersion":2,"tampered":true}'));
    let before = await bucket.keys();
    expect((await rejection(gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 }))).code).toBe(ErrorCode.DIGEST_MISMATCH);
    expect(await bucket.keys()).toEqual(before);

    await bucket.store.backend.deleteMany([blobKey(amd64.digest)]);
    before = await bucket.keys();
    expect((await rejection(gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 }))).code).toBe(ErrorCode.NOT_FOUND);
    expect(await bucket.keys()).toEqual(before);
  });

  it('never deletes what is not a blob', async () => {
    await bucket.push('app', 'v1');
    const leftovers = [
      'manifests/app/v1/config.json',
      'manifests/app/v1/index.json',
      'manifests/app/v1/oci-layout',
      'manifests/app/v1/signatures/key1.json',
      's3lo.yaml',
      'blobs/sha256/not-a-digest',
      `blobs/sha256/${'A'.repeat(64)}`,
      'blobs/sha512/abc',
    ];
    for (const key of leftovers) await bucket.store.backend.put(key, Buffer.from('{}'));
    await bucket.age('', 2 * HOUR);
    const result = await gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 });
    expect(result).toMatchObject({ scanned: 2, candidates: 0, deleted: 0 });
    for (const key of leftovers) expect(await bucket.keys()).toContain(key);
  });

  it('refuses a bucket reference with an image-name filter', async () => {
    const error = await rejection(gc(`${bucket.url}team/`, { registry: bucket.registry }));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.hint).toBe(`run gc on ${bucket.url}`);
  });
});

describe('push leases on a local bucket', () => {
  it('a lease protects its digests even with no grace period; released, they go', async () => {
    const pending = [layer(), layer()];
    for (const blob of pending) await bucket.store.putBlob(blob.digest, blob.size, blob.bytes);
    const lease = await writeLease(
      bucket.store,
      pending.map((b) => b.digest),
    );
    expect(lease.key).toMatch(/^leases\/[0-9a-f]{32}\.json$/);

    const held = await gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 });
    expect(held).toMatchObject({ scanned: 2, candidates: 0, deleted: 0, leases: { active: 1, expired: 0 } });
    expect(await blobKeys()).toEqual(pending.map((b) => blobKey(b.digest)).sort());

    await lease.release();
    await lease.release();
    const freed = await gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 });
    expect(freed).toMatchObject({ deleted: 2, leases: { active: 0, expired: 0 } });
  });

  it('an expired lease protects nothing and is removed by a real run', async () => {
    const blob = layer();
    await bucket.store.putBlob(blob.digest, blob.size, blob.bytes);
    // A crashed push's lease: written 5 s ago for 1 s, never renewed.
    const lease = await writeLease(bucket.store, [blob.digest], { ttlMs: 1000, now: new Date(Date.now() - 5000), renewEveryMs: 0 });
    expect((await readLeasedDigests(bucket.store)).expiredKeys).toEqual([lease.key]);

    const preview = await gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0, dryRun: true });
    expect(preview).toMatchObject({ deleted: 1, leases: { active: 0, expired: 1 } });
    expect(await bucket.keys()).toContain(lease.key);

    const real = await gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 });
    expect(real).toMatchObject({ deleted: 1, leases: { active: 0, expired: 1 } });
    expect(await bucket.keys()).toEqual([]);
  });

  it('an unreadable lease stops gc: nothing deleted', async () => {
    const blob = layer();
    await bucket.store.putBlob(blob.digest, blob.size, blob.bytes);
    await bucket.store.backend.put('leases/garbled.json', Buffer.from('{"kind":"s3lo-push-lease","version":1,'));
    const error = await rejection(gc(bucket.url, { registry: bucket.registry, gracePeriodMs: 0 }));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.details['key']).toBe('leases/garbled.json');
    expect(await blobKeys()).toEqual([blobKey(blob.digest)]);
  });

  // The two races below are staged at exact points of a GC run, on the real
  // backend: a hook runs right before GC's second listing of leases/, which
  // is its re-check just before the first delete batch.
  async function stagedGc(stage: () => Promise<void>) {
    let leaseListings = 0;
    const registry = registryWithListHook(async ({ prefix }) => {
      if (prefix === 'leases/' && ++leaseListings === 2) await stage();
    });
    return gc(bucket.url, { registry, gracePeriodMs: 0 });
  }

  it('keeps blobs a push leases between the mark and the delete batch', async () => {
    const orphan = layer();
    const reused = layer();
    for (const blob of [orphan, reused]) await bucket.store.putBlob(blob.digest, blob.size, blob.bytes);
    const result = await stagedGc(async () => {
      await writeLease(bucket.store, [reused.digest]);
    });
    expect(result).toMatchObject({ candidates: 2, deleted: 1, skippedInUse: 1, deletedDigests: [orphan.digest] });
    expect(await blobKeys()).toEqual([blobKey(reused.digest)]);
  });

  it('keeps blobs of a push that completed (tag written, lease released) between the mark and the delete batch', async () => {
    const built = await bucket.putManifest(config('linux', 'arm64'), [layer()]);
    const result = await stagedGc(async () => {
      const lease = await writeLease(bucket.store, [built.config.digest, ...built.layers.map((l) => l.digest)]);
      await bucket.store.writeTag('late', 'v1', built.bytes);
      await lease.release();
    });
    expect(result).toMatchObject({ candidates: 2, deleted: 0, skippedInUse: 2 });
    const info = await inspect(bucket.ref('late:v1'), { registry: bucket.registry });
    for (const blob of [info.config!, ...info.layers]) expect(await bucket.store.statBlob(blob.digest)).toBeDefined();
  });

  it('gc with no grace period running against leased pushes never breaks a tag', async () => {
    const base = layer(300);
    await bucket.push('base', 'v1', [base]);
    const options = { registry: bucket.registry };
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    // What the copy pipeline does: lease first, then check, upload, tag, release.
    async function push(i: number): Promise<void> {
      const cfg = config('linux', 'amd64', `push-${i}`);
      const own = layer(64 + i);
      const lease = await writeLease(bucket.store, [cfg.digest, own.digest, base.digest]);
      try {
        for (const blob of [cfg, own, base]) {
          if ((await bucket.store.statBlob(blob.digest)) === undefined) await bucket.store.putBlob(blob.digest, blob.size, blob.bytes);
          await pause(15);
        }
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
            layers: [own, base].map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
          }),
        );
        await bucket.store.writeTag('app', `t${i}`, manifest);
      } finally {
        await lease.release();
      }
    }

    // The pushes start in waves, wave k once gc has finished k rounds, so gc
    // runs beside them again and again however fast or loaded the machine is
    // (a fixed stagger let one slow gc round span every push).
    let rounds = 0;
    const waveStarts: (() => void)[] = [];
    const waves = [0, 1, 2, 3].map((k) => (k === 0 ? Promise.resolve() : new Promise<void>((resolve) => (waveStarts[k] = resolve))));
    let pushing = true;
    const pushes = Promise.allSettled(Array.from({ length: 16 }, (_, i) => (waves[i % 4] as Promise<void>).then(() => push(i)))).finally(() => {
      pushing = false;
    });
    while (pushing) {
      await gc(bucket.url, { ...options, gracePeriodMs: 0, batchSize: 1 });
      rounds += 1;
      waveStarts[rounds]?.();
    }
    expect((await pushes).filter((p) => p.status === 'rejected')).toEqual([]);
    expect(rounds).toBeGreaterThan(3);
    const [app] = (await list(bucket.url, options)).filter((i) => i.name === 'app');
    expect(app?.tags).toHaveLength(16);
    for (const tag of app?.tags ?? []) {
      const info = await inspect(bucket.ref(`app:${tag}`), options);
      for (const blob of [info.config!, ...info.layers]) expect(await bucket.store.statBlob(blob.digest), `${tag} ${blob.digest}`).toBeDefined();
    }
    expect((await readLeasedDigests(bucket.store)).activeKeys).toEqual([]);
  });
});

describe('gc run markers (the handshake with pushes, see gc-runs.ts)', () => {
  const runKeys = async () => (await bucket.keys()).filter((key) => key.startsWith('gc-runs/'));

  it('stands while a run deletes and is gone afterwards, also when the run fails', async () => {
    await bucket.push('app', 'v1');
    const orphan = layer(5);
    await bucket.store.putBlob(orphan.digest, orphan.size, orphan.bytes);
    await bucket.age('blobs/', 2 * HOUR);
    const seen: string[][] = [];
    const watching = registryWithListHook(async () => {
      seen.push(await runKeys());
    });
    expect((await gc(bucket.url, { registry: watching })).deleted).toBe(1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((keys) => keys.length === 1)).toBe(true);
    expect(await runKeys()).toEqual([]);

    await mkdir(join(bucket.dir, 'manifests', 'broken', 'v1'), { recursive: true });
    await writeFile(join(bucket.dir, 'manifests', 'broken', 'v1', 'manifest.json'), '{ not json');
    await expect(gc(bucket.url, { registry: bucket.registry })).rejects.toThrow();
    expect(await runKeys()).toEqual([]);
  });

  it('a dry run writes no marker', async () => {
    await bucket.push('app', 'v1');
    const seen: string[] = [];
    const watching = registryWithListHook(async () => {
      seen.push(...(await runKeys()));
    });
    await gc(bucket.url, { registry: watching, dryRun: true });
    expect(seen).toEqual([]);
  });

  it('a push finishing while a run stands waits for it, then writes again what the run deleted', async () => {
    const shared = layer(300);
    const source = await createBucket();
    try {
      await source.push('app', 'v1', [shared]);
      await bucket.push('app', 'v1', [shared]);
      const run = await startGcRun(bucket.store);
      let deleted!: (done: Promise<unknown>) => void;
      const deleting = new Promise<Promise<unknown>>((resolve) => (deleted = resolve));
      let runFinished = false;
      const pushing = copy(source.ref('app:v1'), bucket.ref('app:v2'), {
        registry: bucket.registry,
        // The standing run deletes the layer right after the push found it present.
        onBlob: (digest, _size, skipped) => {
          if (digest === shared.digest && skipped) deleted(bucket.store.backend.deleteMany([blobKey(shared.digest)]));
        },
      }).then((result) => ({ result, finishedFirst: runFinished }));
      // Waits for the event itself (a fixed pause here missed it on a busy machine).
      await await deleting;
      expect(await bucket.store.statBlob(shared.digest)).toBeUndefined();
      runFinished = true;
      await run.finish();
      const { result, finishedFirst } = await pushing;
      // The push ended after the run, whatever the machine's speed: it waited for the marker.
      expect(finishedFirst).toBe(true);
      expect(result.blobsSkipped).toBeGreaterThanOrEqual(1);
      expect(await bucket.store.readBlob(shared.digest, 1 << 20)).toEqual(shared.bytes);
      expect((await inspect(bucket.ref('app:v2'), { registry: bucket.registry })).digest).toBe(result.digest);
    } finally {
      await source.cleanup();
    }
  });
});
