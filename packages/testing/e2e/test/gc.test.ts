import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3loError } from '@s3lo/core';
import { deleteImage, gc, pull, push, stats } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blobKeyOf, bucketBlobProblems, bucketLocation, bucketRef, listFiles, makeRegistry, tagKeyOf } from './fixtures/bucket.js';
import { layoutBlobProblems, layoutReachable, parseDoc, sha256Digest, skopeoRaw, type Desc } from './fixtures/layout.js';
import { seededBytes } from './fixtures/random.js';
import { buildSingleImage, deriveImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { registryWatchingGcRunLooks, registryWithDeleteGate } from './fixtures/slow-store.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();
const HOUR = 60 * 60 * 1000;

/** Unreferenced blobs written straight into the bucket (as an interrupted push leaves them). */
async function writeOrphans(bucket: string, seed: string, count: number): Promise<Desc[]> {
  await mkdir(join(bucket, 'blobs', 'sha256'), { recursive: true });
  const orphans: Desc[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = seededBytes(`${seed}/orphan/${i}`, 1000 + i * 37);
    const digest = sha256Digest(bytes);
    await writeFile(join(bucket, blobKeyOf(digest)), bytes);
    orphans.push({ mediaType: 'application/octet-stream', digest, size: bytes.length });
  }
  return orphans;
}

/** 'fulfilled', or the rejection's code and message, so a failure says why. */
function outcome(settled: PromiseSettledResult<unknown>): string {
  if (settled.status === 'fulfilled') return 'fulfilled';
  const reason = settled.reason as { code?: string; message?: string; details?: unknown };
  return `rejected: ${reason.code ?? ''} ${reason.message ?? String(reason)} ${JSON.stringify(reason.details ?? {})}`;
}

async function age(bucket: string, keys: readonly string[], ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  for (const key of keys) await utimes(join(bucket, key), when, when);
}

describe('gc', () => {
  let dir: string;
  let base: OciImage;
  let derived: OciImage;
  let other: OciImage;
  let baseBlobs: Desc[];
  let derivedBlobs: Desc[];
  let otherBlobs: Desc[];

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('gc');
    [base, other] = await Promise.all([buildSingleImage({ dir: join(dir, 'base'), gzip: true }), buildSingleImage({ dir: join(dir, 'other'), gzip: false })]);
    derived = await deriveImage(base, 'v2');
    baseBlobs = await layoutReachable(base.layout, await skopeoRaw(base.ref));
    derivedBlobs = await layoutReachable(derived.layout, await skopeoRaw(derived.ref));
    otherBlobs = await layoutReachable(other.layout, await skopeoRaw(other.ref));
  });
  afterAll(() => removeDir(dir));

  test('layers shared by two tags survive deleting one of them; stats count them once stored, twice logical', async () => {
    const bucket = join(await testDir('gc-shared'), 'bucket');
    await push(base.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    await push(derived.ref, bucketRef(bucket, 'app', 'v2'), { registry });

    const sum = (ds: readonly Desc[]): number => ds.reduce((n, d) => n + d.size, 0);
    const stored = new Map([...baseBlobs, ...derivedBlobs].map((d) => [d.digest, d.size]));
    const counted = await stats(bucketLocation(bucket), { registry });
    expect(counted).toEqual({
      images: 1,
      tags: 2,
      uniqueBlobs: stored.size,
      logicalBytes: sum(baseBlobs) + sum(derivedBlobs),
      actualBytes: [...stored.values()].reduce((n, s) => n + s, 0),
      savedBytes: sum(baseBlobs) + sum(derivedBlobs) - [...stored.values()].reduce((n, s) => n + s, 0),
    });

    const removed = await deleteImage(bucketRef(bucket, 'app', 'v1'), { registry });
    expect(removed).toMatchObject({ digest: sha256Digest(await skopeoRaw(base.ref)), tags: ['v1'] });

    const collected = await gc(bucketLocation(bucket), { registry, gracePeriodMs: 0 });
    // v1's only blob of its own is its config; its layers are v2's too.
    const baseConfig = parseDoc(await skopeoRaw(base.ref)).config as Desc;
    expect(collected).toMatchObject({ dryRun: false, roots: 1, deleted: 1, freedBytes: baseConfig.size, deletedDigests: [baseConfig.digest] });
    expect(await listFiles(bucket)).toEqual([...derivedBlobs.map((d) => blobKeyOf(d.digest)), tagKeyOf('app', 'v2')].sort());

    const out = join(bucket, '..', 'out');
    await pull(bucketRef(bucket, 'app', 'v2'), `oci:${out}:v2`, { registry });
    expect(await layoutBlobProblems(out, derivedBlobs)).toEqual([]);
  });

  test('a dry run reports exactly what the real run then deletes, and deletes nothing', async () => {
    const bucket = join(await testDir('gc-dry'), 'bucket');
    await push(base.ref, bucketRef(bucket, 'keep', 'v1'), { registry });
    await push(other.ref, bucketRef(bucket, 'drop', 'v1'), { registry });
    await deleteImage(bucketRef(bucket, 'drop', 'v1'), { registry });
    const orphans = await writeOrphans(bucket, 'dry', 5);
    const garbage = [...otherBlobs, ...orphans].sort((a, b) => (a.digest < b.digest ? -1 : 1));

    const before = await listFiles(bucket);
    const preview = await gc(bucketLocation(bucket), { registry, gracePeriodMs: 0, dryRun: true });
    expect(await listFiles(bucket)).toEqual(before);
    expect(preview).toMatchObject({
      dryRun: true,
      roots: 1,
      deleted: garbage.length,
      freedBytes: garbage.reduce((n, d) => n + d.size, 0),
      deletedDigests: garbage.map((d) => d.digest),
    });

    const real = await gc(bucketLocation(bucket), { registry, gracePeriodMs: 0 });
    expect({ ...real, dryRun: true }).toEqual(preview);
    const removed = new Set(garbage.map((d) => blobKeyOf(d.digest)));
    expect(await listFiles(bucket)).toEqual(before.filter((key) => !removed.has(key)));
    expect(await bucketBlobProblems(bucket, baseBlobs)).toEqual([]);
  });

  test('objects younger than the grace period are kept and counted', async () => {
    const bucket = join(await testDir('gc-grace'), 'bucket');
    await push(base.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const oldOrphans = await writeOrphans(bucket, 'old', 3);
    const newOrphans = await writeOrphans(bucket, 'new', 4);
    // Everything is two hours old except the new orphans: age matters only for unreferenced blobs.
    await age(
      bucket,
      [...baseBlobs, ...oldOrphans].map((d) => blobKeyOf(d.digest)),
      2 * HOUR,
    );

    const collected = await gc(bucketLocation(bucket), { registry });
    expect(collected).toMatchObject({
      candidates: oldOrphans.length + newOrphans.length,
      deleted: oldOrphans.length,
      skippedRecent: newOrphans.length,
      deletedDigests: oldOrphans.map((d) => d.digest).sort(),
    });
    const keys = await listFiles(bucket);
    for (const d of newOrphans) expect(keys).toContain(blobKeyOf(d.digest));
    for (const d of oldOrphans) expect(keys).not.toContain(blobKeyOf(d.digest));
    expect(await bucketBlobProblems(bucket, baseBlobs)).toEqual([]);
    // The kept ones were not touched (their age is what protects them).
    const info = await stat(join(bucket, blobKeyOf((newOrphans[0] as Desc).digest)));
    expect(Date.now() - info.mtimeMs).toBeLessThan(HOUR);

    // A grace period of 30 minutes with the clock two hours ahead: now they go.
    const later = await gc(bucketLocation(bucket), { registry, gracePeriodMs: HOUR / 2, now: new Date(Date.now() + 2 * HOUR) });
    expect(later).toMatchObject({ deleted: newOrphans.length, skippedRecent: 0 });
    expect(await listFiles(bucket)).toEqual([...baseBlobs.map((d) => blobKeyOf(d.digest)), tagKeyOf('app', 'v1')].sort());
  });

  test("a crashed push's lease protects what it lists until it expires; an expired lease is ignored and removed", async () => {
    const bucket = join(await testDir('gc-leases'), 'bucket');
    await push(base.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const [leased, expiredLeased, free] = [await writeOrphans(bucket, 'leased', 2), await writeOrphans(bucket, 'expired', 2), await writeOrphans(bucket, 'free', 2)];
    // Lease files as the bucket format documents them (leases/<id>.json), written by "crashed" pushes.
    const lease = (digests: readonly Desc[], createdMs: number, ttlMs: number): string =>
      JSON.stringify({
        kind: 's3lo-push-lease',
        version: 1,
        created: new Date(createdMs).toISOString(),
        expires: new Date(createdMs + ttlMs).toISOString(),
        digests: digests.map((d) => d.digest),
      });
    await mkdir(join(bucket, 'leases'), { recursive: true });
    await writeFile(join(bucket, 'leases', `${'1'.repeat(32)}.json`), lease(leased, Date.now(), 24 * HOUR));
    await writeFile(join(bucket, 'leases', `${'2'.repeat(32)}.json`), lease(expiredLeased, Date.now() - 48 * HOUR, 24 * HOUR));

    const first = await gc(bucketLocation(bucket), { registry, gracePeriodMs: 0 });
    expect(first).toMatchObject({ leases: { active: 1, expired: 1 }, deletedDigests: [...expiredLeased, ...free].map((d) => d.digest).sort() });
    let keys = await listFiles(bucket);
    for (const d of leased) expect(keys).toContain(blobKeyOf(d.digest));
    expect(keys.filter((k) => k.startsWith('leases/'))).toEqual([`leases/${'1'.repeat(32)}.json`]);

    // A day later the crashed push's lease has expired too.
    const later = await gc(bucketLocation(bucket), { registry, gracePeriodMs: 0, now: new Date(Date.now() + 25 * HOUR) });
    expect(later).toMatchObject({ leases: { active: 0, expired: 1 }, deletedDigests: leased.map((d) => d.digest).sort() });
    keys = await listFiles(bucket);
    expect(keys).toEqual([...baseBlobs.map((d) => blobKeyOf(d.digest)), tagKeyOf('app', 'v1')].sort());
  });

  test('a filtered bucket reference is refused: blobs belong to the whole bucket', async () => {
    const bucket = join(await testDir('gc-filter'), 'bucket');
    await push(base.ref, bucketRef(bucket, 'team/app', 'v1'), { registry });
    const error = await gc(`local://${bucket}//team/`, { registry, gracePeriodMs: 0 }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(await bucketBlobProblems(bucket, baseBlobs)).toEqual([]);
  });

  test('a push reusing blobs while a gc delete of them is in flight never ends with a tag whose blobs are gone', async () => {
    const work = await testDir('gc-in-flight');
    const bucket = join(work, 'bucket');
    await push(base.ref, bucketRef(bucket, 'old', 'v1'), { registry });
    await deleteImage(bucketRef(bucket, 'old', 'v1'), { registry });
    const { registry: slow, gate } = registryWithDeleteGate();
    // gc decides (no tag, no lease references base's blobs) and starts deleting them...
    const collecting = gc(bucketLocation(bucket), { registry: slow, gracePeriodMs: 0 });
    const doomed = await gate.reached;
    expect(doomed.length).toBe(baseBlobs.length);
    // ...while a push of the same image takes its lease, finds the blobs there and tags them.
    const { registry: watched, looked } = registryWatchingGcRunLooks();
    const pushing = push(base.ref, bucketRef(bucket, 'app', 'v1'), { registry: watched });
    // The push looked at the GC-run markers twice: it found the run's, paused
    // and looked again. Whatever the machine's speed, it is waiting now, with
    // the delete still held, and has written no tag.
    await looked(2);
    expect((await listFiles(bucket)).includes(tagKeyOf('app', 'v1')), 'a tag written while the gc deletes its blobs').toBe(false);
    gate.release();
    await collecting;
    // Then it writes again what the run deleted, and its tag.
    const result = await pushing;
    expect(result.digest).toBe(sha256Digest(await skopeoRaw(base.ref)));
    expect(await bucketBlobProblems(bucket, baseBlobs)).toEqual([]);
  });

  test('a push racing gc (grace period 0) never loses a blob it needs', async () => {
    const work = await testDir('gc-race');
    // Where in the push gc starts, by the push's own events rather than by
    // delays (which a busy machine stretches): before the push, when it has
    // planned (onStart), after its k-th blob (onBlob), after its last one
    // (LAST), right before its tag.
    // Seeded interleavings at every storage call: packages/testing/hostile.
    const LAST = 99;
    const startPoints = [-1, 0, 1, 2, 3, LAST, 0, 1, 2, LAST] as const;
    for (const [i, startAt] of startPoints.entries()) {
      const bucket = join(work, `bucket-${i}`);
      // Every blob the push needs is already in the bucket but unreferenced:
      // the push skips them, and gc wants them. Plus other garbage.
      await push(base.ref, bucketRef(bucket, 'old', 'v1'), { registry });
      await push(other.ref, bucketRef(bucket, 'other', 'v1'), { registry });
      await deleteImage(bucketRef(bucket, 'old', 'v1'), { registry });
      await deleteImage(bucketRef(bucket, 'other', 'v1'), { registry });
      await writeOrphans(bucket, `race-${i}`, 20);

      let startGc!: () => void;
      const gcStarts = new Promise<void>((resolve) => (startGc = resolve));
      let blobs = 0;
      let total = 0;
      const collecting = gcStarts.then(() => gc(bucketLocation(bucket), { registry, gracePeriodMs: 0, batchSize: i % 3 === 0 ? 1 : 1000 }));
      if (startAt === -1) startGc();
      const pushing = push(base.ref, bucketRef(bucket, 'app', 'v1'), {
        registry,
        concurrency: 1 + (i % 4),
        onStart: (start) => {
          total = start.blobs;
          if (startAt === 0) startGc();
        },
        onBlob: () => {
          blobs += 1;
          if (blobs === (startAt === LAST ? total : startAt)) startGc();
        },
      }).finally(startGc); // a point the push did not reach
      const [pushed, collected] = await Promise.allSettled([pushing, collecting]);
      const context = `iteration ${i} (gc started ${startAt === -1 ? 'before the push' : startAt === 0 ? 'when the push planned' : startAt === LAST ? 'after its last blob' : `after blob ${startAt}`})`;
      expect(outcome(pushed), `push, ${context}`).toBe('fulfilled');
      expect(outcome(collected), `gc, ${context}`).toBe('fulfilled');

      expect(await bucketBlobProblems(bucket, baseBlobs), context).toEqual([]);
      const out = join(work, `out-${i}`);
      const pulled = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
      expect(pulled.digest, context).toBe(sha256Digest(await skopeoRaw(base.ref)));
      expect(await layoutBlobProblems(out, baseBlobs), context).toEqual([]);
      expect(
        (await listFiles(bucket)).filter((key) => key.startsWith('leases/')),
        context,
      ).toEqual([]);
    }
  });
});
