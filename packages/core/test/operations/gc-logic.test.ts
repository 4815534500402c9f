import { describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '../../src/errors/index.js';
import { blobKey } from '../../src/image/bucket-layout.js';
import { gc, stats, writeLease } from '../../src/image/operations/index.js';
import { mapConcurrent } from '../../src/storage/map-concurrent.js';
import { rejected } from '../support/thrown.js';
import { configFor, putManifest, pushImage, randomLayer } from './images.js';
import { memoryBucket } from './memory-backend.js';

const HOUR = 3_600_000;

/**
 * The delete calls gc made on blobs. Taking its run marker down
 * (`gc-runs/...`) is a delete call too; the marker tests are in
 * bucket-ops-tests.
 */
function blobDeleteCalls(backend: { deleteCalls: string[][] }): string[][] {
  return backend.deleteCalls.filter((keys) => !keys.every((key) => key.startsWith('gc-runs/')));
}

/** A bucket with one tag and two orphan blobs, all older than the grace period. */
async function bucketWithOrphans() {
  const bucket = memoryBucket();
  const kept = await pushImage(bucket.store, 'app', 'v1');
  const orphans = [randomLayer(10), randomLayer(20)];
  for (const orphan of orphans) await bucket.store.putBlob(orphan.digest, orphan.size, orphan.bytes);
  bucket.backend.ageAll(2 * HOUR);
  return { ...bucket, kept, orphans };
}

describe('gc (logic, in-memory test double)', () => {
  it('refuses a filtered bucket reference, naming the whole bucket', async () => {
    const { registry, url } = memoryBucket();
    const error = await rejected(gc(`${url}/team/`, { registry }));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.hint).toBe(`run gc on ${url}/`);
  });

  it('refuses bad options before touching the bucket', async () => {
    const { registry, url } = memoryBucket();
    expect((await rejected(gc(url, { registry, gracePeriodMs: -1 }))).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect((await rejected(gc(url, { registry, batchSize: 1001 }))).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('deletes old orphans only, in sorted batches', async () => {
    const { registry, backend, url, kept, orphans } = await bucketWithOrphans();
    const result = await gc(url, { registry, batchSize: 1 });
    expect(result).toMatchObject({ scanned: 4, candidates: 2, deleted: 2, skippedRecent: 0, skippedInUse: 0, freedBytes: 30 });
    expect(blobDeleteCalls(backend)).toEqual([...orphans.map((o) => blobKey(o.digest))].sort().map((key) => [key]));
    expect(backend.keys('blobs/')).toEqual([kept.config.digest, ...kept.layers.map((l) => l.digest)].map(blobKey).sort());
  });

  it('fails closed on a corrupt tag: nothing deleted', async () => {
    const { registry, backend, url } = await bucketWithOrphans();
    await backend.put('manifests/broken/v1/manifest.json', Buffer.from('{"schemaVersion": 2, "layers": ['));
    const before = backend.keys();
    const error = await rejected(gc(url, { registry }));
    expect(error.message).toMatch(/gc deleted nothing: tag manifests\/broken\/v1\/manifest.json cannot be read/);
    expect(backend.keys()).toEqual(before);
    expect(blobDeleteCalls(backend)).toEqual([]);
  });

  it('treats odd keys ending in /manifest.json as roots too', async () => {
    const { registry, backend, url } = await bucketWithOrphans();
    await backend.put('manifests/manifest.json', Buffer.from('not json'));
    expect((await rejected(gc(url, { registry }))).code).toBe(ErrorCode.INVALID_MANIFEST);
  });

  it('fails closed on an unusable lease', async () => {
    const { registry, backend, url } = await bucketWithOrphans();
    await backend.put('leases/bad.json', Buffer.from('{"kind":"s3lo-push-lease","version":1,"expires":"soon","digests":[]}'));
    const error = await rejected(gc(url, { registry }));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.details['key']).toBe('leases/bad.json');
    expect(blobDeleteCalls(backend)).toEqual([]);
  });

  it('skips a tag deleted between the listing and its read', async () => {
    const { registry, backend, store, url } = await bucketWithOrphans();
    await pushImage(store, 'gone', 'v1');
    backend.hooks.beforeGet = async (key) => {
      if (key === 'manifests/gone/v1/manifest.json') await backend.deleteMany([key]);
    };
    backend.ageAll(2 * HOUR);
    backend.deleteCalls = [];
    const result = await gc(url, { registry });
    // Its config and layer are unreferenced now: collected along with the orphans.
    expect(result.deleted).toBe(4);
  });

  it('keeps blobs a push leases after the mark, before the delete batch', async () => {
    const { registry, backend, store, url, orphans } = await bucketWithOrphans();
    const [first, second] = orphans.map((o) => o.digest).sort();
    let leaseListings = 0;
    backend.hooks.beforeList = async ({ prefix }) => {
      // The 1st lease listing is the mark's; the 2nd comes right before the first batch.
      if (prefix === 'leases/' && ++leaseListings === 2) await writeLease(store, [second!]);
    };
    const result = await gc(url, { registry, batchSize: 1 });
    expect(result).toMatchObject({ candidates: 2, deleted: 1, skippedInUse: 1, deletedDigests: [first] });
    expect(await store.statBlob(second!)).toBeDefined();
  });

  it('keeps blobs of a tag written (and its lease released) after the mark', async () => {
    const { registry, backend, store, url } = memoryBucket();
    const layer = randomLayer();
    const built = await putManifest(store, configFor({ os: 'linux', architecture: 'arm64' }), [layer]);
    backend.ageAll(2 * HOUR);
    let rootListings = 0;
    backend.hooks.beforeList = async ({ prefix }) => {
      // A whole push completes between the mark and the first delete batch.
      if (prefix === 'manifests/' && ++rootListings === 2) await store.writeTag('late', 'v1', built.bytes);
    };
    const result = await gc(url, { registry });
    expect(result).toMatchObject({ candidates: 2, deleted: 0, skippedInUse: 2 });
    expect(await store.statBlob(layer.digest)).toBeDefined();
  });

  it('throws after a batch whose deletes partly failed, and does not go on', async () => {
    const { registry, backend, url, orphans } = await bucketWithOrphans();
    const [first] = orphans.map((o) => blobKey(o.digest)).sort();
    backend.hooks.deleteFailure = (key) => (key === first ? new S3loError(ErrorCode.PERMISSION_DENIED, 'access denied') : undefined);
    const error = await rejected(gc(url, { registry, batchSize: 1 }));
    expect(error.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(error.details['failedKeys']).toEqual([first]);
    expect(blobDeleteCalls(backend)).toHaveLength(1);
  });

  it('deletes expired leases only in a real run', async () => {
    const { registry, backend, store, url } = await bucketWithOrphans();
    // A crashed push's: written long ago, never renewed.
    const expired = await writeLease(store, [], { now: new Date(Date.now() - 2 * 86_400_000), renewEveryMs: 0 });
    expect((await gc(url, { registry, dryRun: true })).leases).toEqual({ active: 0, expired: 1, removed: 0 });
    expect(backend.keys('leases/')).toEqual([expired.key]);
    expect((await gc(url, { registry })).leases).toEqual({ active: 0, expired: 1, removed: 1 });
    expect(backend.keys('leases/')).toEqual([]);
  });
});

describe('stats (logic, in-memory test double)', () => {
  it('counts a shared layer once in actual bytes and once per tag in logical bytes', async () => {
    const { registry, store, url } = memoryBucket();
    const shared = randomLayer(1000);
    const a = await pushImage(store, 'app', 'v1', [shared]);
    const b = await pushImage(store, 'app', 'v2', [shared]);
    const s = await stats(url, { registry });
    const logical = a.config.size + b.config.size + 2 * shared.size;
    const actual = a.config.size + b.config.size + shared.size;
    expect(s).toEqual({ images: 1, tags: 2, uniqueBlobs: 3, logicalBytes: logical, actualBytes: actual, savedBytes: logical - actual });
  });
});

describe('mapConcurrent', () => {
  it('keeps order, bounds concurrency and stops after a failure', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const results = await mapConcurrent([1, 2, 3, 4, 5, 6], 2, undefined, async (n) => {
      started.push(n);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 * (7 - n)));
      running -= 1;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(2);
    started.length = 0;
    await expect(
      mapConcurrent([1, 2, 3, 4], 1, undefined, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});
