import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3loError } from '@s3lo/core';
import { deleteImage, gc, inspect, list, pull, push, stats } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blobKeyOf, bucketLocation, bucketRef, listFiles, makeRegistry, readTag, tagKeyOf } from './fixtures/bucket.js';
import { buildDockerArchive, type DockerArchive } from './fixtures/docker-archive.js';
import { layOutGoBucket } from './fixtures/go-bucket.js';
import { layoutBlobProblems, layoutReachable, parseDoc, skopeoInspect, skopeoRaw } from './fixtures/layout.js';
import { buildMultiPlatformIndex, type MultiPlatformImage } from './fixtures/multi-platform.js';
import { OCI_MANIFEST } from './fixtures/results.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();

describe('the bucket holds exactly the keys of the spec', () => {
  let dir: string;
  let image: OciImage;
  let multi: MultiPlatformImage;
  let archive: DockerArchive;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('layout');
    [image, multi, archive] = await Promise.all([
      buildSingleImage({ dir: join(dir, 'single'), gzip: true }),
      buildMultiPlatformIndex({ dir: join(dir, 'multi') }),
      buildDockerArchive({ dir: join(dir, 'archive') }),
    ]);
  });
  afterAll(() => removeDir(dir));

  test('a single-platform push writes its blobs and one manifest.json, and releases its lease', async () => {
    const bucket = join(await testDir('keys'), 'bucket');
    const manifest = await skopeoRaw(image.ref);
    const descriptors = await layoutReachable(image.layout, manifest);
    await push(image.ref, bucketRef(bucket, 'team/app', 'v1'), { registry });
    expect(await listFiles(bucket)).toEqual([...descriptors.map((d) => blobKeyOf(d.digest)), tagKeyOf('team/app', 'v1')].sort());
  });

  test('a multi-platform push writes children, configs, layers (attestation included) as blobs and one manifest.json', async () => {
    const bucket = join(await testDir('keys-multi'), 'bucket');
    const descriptors = await layoutReachable(multi.layout, multi.indexBytes);
    // 3 children, 3 configs, shared base + 2 own layers, the in-toto layer.
    expect(descriptors.length).toBe(10);
    await push(multi.ref, bucketRef(bucket, 'app', 'multi'), { registry });
    expect(await listFiles(bucket)).toEqual([...descriptors.map((d) => blobKeyOf(d.digest)), tagKeyOf('app', 'multi')].sort());
  });

  test('a docker-archive push writes config, layer tars and one manifest.json', async () => {
    const bucket = join(await testDir('keys-archive'), 'bucket');
    await push(archive.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const manifest = JSON.parse((await readTag(bucket, 'app', 'v1')).toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
    expect(await listFiles(bucket)).toEqual([manifest.config.digest, ...manifest.layers.map((l) => l.digest)].map(blobKeyOf).concat(tagKeyOf('app', 'v1')).sort());
  });

  describe('a bucket the Go s3lo wrote (blobs, manifest.json and its old config.json/index.json/oci-layout beside it)', () => {
    test('is listed, inspected, pulled, counted; gc keeps everything of it', async () => {
      const work = await testDir('go-bucket');
      const bucket = join(work, 'bucket');
      const go = await layOutGoBucket({ dockerArchive: archive.file, bucket, image: 'app', tag: 'v1', work: join(work, 'extracted') });

      expect(await list(bucketLocation(bucket), { registry })).toEqual([{ name: 'app', tags: ['v1'] }]);

      const info = await inspect(bucketRef(bucket, 'app', 'v1'), { registry });
      expect(info).toMatchObject({ digest: go.digest, mediaType: OCI_MANIFEST, isIndex: false, tags: ['v1'] });
      expect(info.config?.digest).toBe(go.config.digest);
      expect(info.layers.map((l) => [l.digest, l.size, l.mediaType])).toEqual(go.layers.map((l) => [l.digest, l.size, 'application/vnd.oci.image.layer.v1.tar']));

      const out = join(work, 'out');
      const pulled = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
      expect(pulled).toMatchObject({ digest: go.digest, blobsCopied: 1 + go.layers.length, platforms: ['linux/amd64'] });
      expect((await skopeoRaw(`oci:${out}:v1`)).toString('utf8')).toBe(go.manifest.toString('utf8'));
      expect(await layoutBlobProblems(out, await layoutReachable(out, go.manifest))).toEqual([]);
      expect(await skopeoInspect(`oci:${out}:v1`)).toMatchObject({ Digest: go.digest, Architecture: 'amd64' });

      expect(await stats(bucketLocation(bucket), { registry })).toMatchObject({ images: 1, tags: 1, uniqueBlobs: 1 + go.layers.length });

      const collected = await gc(bucketLocation(bucket), { registry, gracePeriodMs: 0 });
      expect(collected).toMatchObject({ roots: 1, deleted: 0 });
      expect(await listFiles(bucket)).toEqual(go.keys);

      // Our push beside it, then a delete of the Go tag: its leftovers go with it.
      await push(image.ref, bucketRef(bucket, 'ours', 'v1'), { registry });
      expect(await list(bucketLocation(bucket), { registry })).toEqual([
        { name: 'app', tags: ['v1'] },
        { name: 'ours', tags: ['v1'] },
      ]);
      await deleteImage(bucketRef(bucket, 'app', 'v1'), { registry });
      expect((await listFiles(bucket)).filter((key) => key.startsWith('manifests/app/'))).toEqual([]);
    });
  });

  test('a truncated blob under its content address (a crashed writer) is rewritten by the next push', async () => {
    const work = await testDir('truncated');
    const bucket = join(work, 'bucket');
    const manifest = await skopeoRaw(image.ref);
    const layer = [...(parseDoc(manifest).layers ?? [])].sort((a, b) => b.size - a.size)[0]!;
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    await truncate(join(bucket, blobKeyOf(layer.digest)), Math.floor(layer.size / 3));
    const again = await push(image.ref, bucketRef(bucket, 'app', 'v2'), { registry });
    expect(again.blobsCopied).toBe(1);
    expect(again.bytesCopied).toBe(layer.size);
    const out = join(work, 'out');
    await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
    expect(await layoutBlobProblems(out, await layoutReachable(image.layout, manifest))).toEqual([]);
  });

  test("a crashed write's temporary file is no tag, no blob: list, stats and gc pass over it", async () => {
    const work = await testDir('temp-leftover');
    const bucket = join(work, 'bucket');
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const hex = 'a'.repeat(64);
    const leftovers = [`blobs/sha256/.${hex}.s3lo-tmp-0123456789abcdef`, 'manifests/app/v2/.manifest.json.s3lo-tmp-0123456789abcdef'];
    for (const key of leftovers) {
      await mkdir(join(bucket, key, '..'), { recursive: true });
      await writeFile(join(bucket, key), 'partial');
    }
    expect(await list(bucketLocation(bucket), { registry })).toEqual([{ name: 'app', tags: ['v1'] }]);
    const blobs = (await layoutReachable(image.layout, await skopeoRaw(image.ref))).length;
    expect(await stats(bucketLocation(bucket), { registry })).toMatchObject({ tags: 1, uniqueBlobs: blobs });
    expect(await gc(bucketLocation(bucket), { registry, gracePeriodMs: 0 })).toMatchObject({ scanned: blobs, deleted: 0 });
  });

  test('references that would leave the tag are refused before anything is touched', async () => {
    const work = await testDir('dotdot');
    const bucket = join(work, 'bucket');
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const before = await listFiles(bucket);
    for (const bad of [`local://${bucket}//app:..`, `local://${bucket}//../app:v1`, `local://${bucket}//app/..:v1`]) {
      const error = await deleteImage(bad, { registry }).catch((e: unknown) => e);
      expect(S3loError.isInstance(error, 'INVALID_REFERENCE'), bad).toBe(true);
      const pushError = await push(image.ref, bad, { registry }).catch((e: unknown) => e);
      expect(S3loError.isInstance(pushError, 'INVALID_REFERENCE'), bad).toBe(true);
    }
    expect(await listFiles(bucket)).toEqual(before);
  });

  test('list scopes by image-name prefix, whole components only', async () => {
    const bucket = join(await testDir('list-prefix'), 'bucket');
    for (const name of ['team/api', 'team/web', 'team', 'teams/x', 'other']) await push(image.ref, bucketRef(bucket, name, 'v1'), { registry });
    await push(image.ref, bucketRef(bucket, 'team/api', 'v2'), { registry });
    expect(await list(`local://${bucket}//team/`, { registry })).toEqual([
      { name: 'team', tags: ['v1'] },
      { name: 'team/api', tags: ['v1', 'v2'] },
      { name: 'team/web', tags: ['v1'] },
    ]);
    expect((await list(bucketLocation(bucket), { registry })).map((i) => i.name)).toEqual(['other', 'team', 'team/api', 'team/web', 'teams/x']);
  });
});
