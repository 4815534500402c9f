import { mkdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@s3lo/core';
import { inspect, list } from '@s3lo/core/image';
import { BucketLocation } from '@s3lo/core/ref';
import { blobOf, config, createBucket, layer, OCI_INDEX, OCI_MANIFEST, type TestBucket } from './support/bucket.js';
import { rejection } from './support/rejection.js';

let bucket: TestBucket;
beforeEach(async () => {
  bucket = await createBucket();
});
afterEach(async () => {
  await bucket.cleanup();
});

describe('list on a local bucket', () => {
  it('gives [] for an empty bucket (an existing empty directory)', async () => {
    await mkdir(bucket.dir);
    expect(await list(bucket.url, { registry: bucket.registry })).toEqual([]);
  });

  it('fails NOT_FOUND for a bucket directory that does not exist: a misspelt path is not an empty bucket', async () => {
    const error = await rejection(list(bucket.url, { registry: bucket.registry }));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
    expect(error.details['missing']).toBe('bucket');
    expect(error.message).toBe(`the local bucket directory ${bucket.dir} does not exist`);
  });

  it('sorts by name then tag in byte order and skips leftovers beside tags', async () => {
    const shared = layer();
    for (const [image, tag] of [
      ['web', 'v2'],
      ['web', 'v10'],
      ['web', 'V1'],
      ['api', 'latest'],
      ['Zeta', 'x'],
      ['team/app', 'v1'],
      ['team', 'v1'],
      ['teams/app', 'v1'],
    ] as const) {
      await bucket.push(image, tag, [shared]);
    }
    // What older versions wrote beside a tag, and bucket config: none are tags.
    await bucket.store.backend.put('manifests/web/v2/config.json', Buffer.from('{}'));
    await bucket.store.backend.put('manifests/web/old/index.json', Buffer.from('{}'));
    await bucket.store.backend.put('s3lo.yaml', Buffer.from('chunk_format: 1\n'));

    expect(await list(bucket.url, { registry: bucket.registry })).toEqual([
      { name: 'Zeta', tags: ['x'] },
      { name: 'api', tags: ['latest'] },
      { name: 'team', tags: ['v1'] },
      { name: 'team/app', tags: ['v1'] },
      { name: 'teams/app', tags: ['v1'] },
      { name: 'web', tags: ['V1', 'v10', 'v2'] },
    ]);
    const filtered = BucketLocation.from({ scheme: 'local', bucket: bucket.dir, prefix: 'team' });
    expect(await list(filtered, { registry: bucket.registry })).toEqual([
      { name: 'team', tags: ['v1'] },
      { name: 'team/app', tags: ['v1'] },
    ]);
    expect(await list(`${bucket.url}team/app/`, { registry: bucket.registry })).toEqual([{ name: 'team/app', tags: ['v1'] }]);
  });
});

describe('inspect on a local bucket', () => {
  it('describes a single manifest: config, layers, total size', async () => {
    const layers = [layer(100), layer(200)];
    const built = await bucket.push('team/app', 'v1', layers);
    const info = await inspect(bucket.ref('team/app:v1'), { registry: bucket.registry });
    expect(info).toEqual({
      reference: bucket.ref('team/app:v1'),
      tags: ['v1'],
      digest: built.digest,
      mediaType: OCI_MANIFEST,
      isIndex: false,
      config: { digest: built.config.digest, size: built.config.size, mediaType: 'application/vnd.oci.image.config.v1+json' },
      layers: layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' })),
      totalSize: built.config.size + 300,
      platforms: [],
    });
  });

  it('describes an index: each platform from its verified child, attestation marked, totals summed', async () => {
    const shared = layer(500);
    const amd64 = await bucket.putManifest(config('linux', 'amd64'), [shared, layer(50)]);
    const arm64 = await bucket.putManifest(config('linux', 'arm64'), [shared, layer(60)]);
    const attestation = await bucket.putManifest(blobOf('{"attestation":true}'), [layer(10)]);
    const index = await bucket.pushIndex('app', 'multi', [
      { platform: { os: 'linux', architecture: 'amd64' }, manifest: amd64 },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, manifest: arm64 },
      {
        platform: { os: 'unknown', architecture: 'unknown' },
        manifest: attestation,
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd64.digest },
      },
    ]);
    const info = await inspect(bucket.ref('app:multi'), { registry: bucket.registry });
    expect(info).toMatchObject({ digest: index.digest, mediaType: OCI_INDEX, isIndex: true, layers: [], tags: ['multi'] });
    expect(info.config).toBeUndefined();
    expect(info.platforms.map((p) => [p.platform, p.digest, p.attestation, p.totalSize])).toEqual([
      ['linux/amd64', amd64.digest, false, amd64.size],
      ['linux/arm64/v8', arm64.digest, false, arm64.size],
      ['unknown/unknown', attestation.digest, true, attestation.size],
    ]);
    expect(info.platforms[1]?.layers.map((l) => l.digest)).toEqual(arm64.layers.map((l) => l.digest));
    expect(info.platforms[1]?.config.digest).toBe(arm64.config.digest);
    expect(info.totalSize).toBe(amd64.size + arm64.size + attestation.size);
  });

  it('resolves a digest reference to every tag holding it, or to a child of an index', async () => {
    const shared = layer();
    const built = await bucket.push('app', 'v1', [shared]);
    await bucket.store.writeTag('app', 'stable', built.bytes);
    await bucket.push('app', 'v2', [shared]);
    await bucket.push('app/sub', 'v1', [shared]);
    const byDigest = await inspect(bucket.ref(`app@${built.digest}`), { registry: bucket.registry });
    expect(byDigest).toMatchObject({ digest: built.digest, tags: ['stable', 'v1'], isIndex: false, reference: bucket.ref(`app@${built.digest}`) });
    expect(byDigest.childOf).toBeUndefined();

    const arm = await bucket.putManifest(config('linux', 'arm'), [layer()]);
    const index = await bucket.pushIndex('app', 'multi', [{ platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, manifest: arm }]);
    const child = await inspect(bucket.ref(`app@${arm.digest}`), { registry: bucket.registry });
    expect(child).toMatchObject({ digest: arm.digest, tags: ['multi'], childOf: [index.digest], isIndex: false, totalSize: arm.size });
    // The index is found by its own digest too.
    expect((await inspect(bucket.ref(`app@${index.digest}`), { registry: bucket.registry })).isIndex).toBe(true);
  });

  it('never maps a digest to manifests/<image>/sha256:<hex>/ (Go lesson 8)', async () => {
    const built = await bucket.push('app', 'v1');
    const wanted = blobOf('something else entirely').digest;
    // A decoy where the Go tool would look: its bytes do not have that digest.
    await bucket.store.backend.put(`manifests/app/${wanted}/manifest.json`, built.bytes);
    const error = await rejection(inspect(bucket.ref(`app@${wanted}`), { registry: bucket.registry }));
    expect(error.code).toBe(ErrorCode.NOT_FOUND);
  });

  it('reports NOT_FOUND for a missing tag, image or digest', async () => {
    await bucket.push('app', 'v1');
    for (const ref of ['app:nope', 'other:v1', `app@sha256:${'0'.repeat(64)}`]) {
      expect((await rejection(inspect(bucket.ref(ref), { registry: bucket.registry }))).code, ref).toBe(ErrorCode.NOT_FOUND);
    }
  });

  it('refuses an index whose child blob was tampered with', async () => {
    const amd64 = await bucket.putManifest(config('linux', 'amd64'), [layer()]);
    await bucket.pushIndex('app', 'multi', [{ platform: { os: 'linux', architecture: 'amd64' }, manifest: amd64 }]);
    await bucket.store.backend.put(`blobs/sha256/${amd64.digest.slice(7)}`, Buffer.from('{"schemaVersion":2}'));
    expect((await rejection(inspect(bucket.ref('app:multi'), { registry: bucket.registry }))).code).toBe(ErrorCode.DIGEST_MISMATCH);
  });
});
