import { mkdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@s3lo/core';
import { stats } from '@s3lo/core/image';
import { config, createBucket, layer, type TestBucket } from './support/bucket.js';
import { rejection } from './support/rejection.js';

let bucket: TestBucket;
beforeEach(async () => {
  bucket = await createBucket();
});
afterEach(async () => {
  await bucket.cleanup();
});

describe('stats on a local bucket', () => {
  it('fails NOT_FOUND for a bucket directory that does not exist', async () => {
    const error = await rejection(stats(bucket.url, { registry: bucket.registry }));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.details['missing']).toBe('bucket');
  });

  it('is all zeros for an empty bucket', async () => {
    await mkdir(bucket.dir);
    expect(await stats(bucket.url, { registry: bucket.registry })).toEqual({
      images: 0,
      tags: 0,
      uniqueBlobs: 0,
      logicalBytes: 0,
      actualBytes: 0,
      savedBytes: 0,
    });
  });

  it('counts shared layers once stored and once per tag logically', async () => {
    const shared = [layer(4000), layer(3000)];
    const v1 = await bucket.push('app', 'v1', [...shared, layer(100)]);
    const v2 = await bucket.push('app', 'v2', [...shared, layer(200)]);
    const s = await stats(bucket.url, { registry: bucket.registry });
    const logical = v1.size + v2.size;
    const actual = v1.config.size + v2.config.size + 7000 + 300;
    expect(s).toEqual({ images: 1, tags: 2, uniqueBlobs: 6, logicalBytes: logical, actualBytes: actual, savedBytes: logical - actual });
    expect(s.logicalBytes).toBeGreaterThan(s.actualBytes);
  });

  it('sums an index over its children; a filter scopes tags but not stored bytes', async () => {
    const shared = layer(2000);
    const amd64 = await bucket.putManifest(config('linux', 'amd64'), [shared]);
    const arm64 = await bucket.putManifest(config('linux', 'arm64'), [shared]);
    await bucket.pushIndex('team/app', 'v1', [
      { platform: { os: 'linux', architecture: 'amd64' }, manifest: amd64 },
      { platform: { os: 'linux', architecture: 'arm64' }, manifest: arm64 },
    ]);
    const other = await bucket.push('other', 'v1', [layer(50)]);
    const all = await stats(bucket.url, { registry: bucket.registry });
    const team = await stats(`${bucket.url}team/`, { registry: bucket.registry });

    expect(team).toMatchObject({ images: 1, tags: 1, logicalBytes: amd64.size + arm64.size });
    expect(all).toMatchObject({ images: 2, tags: 2, logicalBytes: amd64.size + arm64.size + other.size });
    // Blobs: 2 configs + shared layer + 2 child manifests, and other's config + layer.
    expect(team.uniqueBlobs).toBe(7);
    expect(team.actualBytes).toBe(all.actualBytes);
    expect(all.actualBytes).toBe(amd64.config.size + arm64.config.size + 2000 + amd64.bytes.length + arm64.bytes.length + other.config.size + 50);
    expect(all.savedBytes).toBe(Math.max(0, all.logicalBytes - all.actualBytes));
  });
});
