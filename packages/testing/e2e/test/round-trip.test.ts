import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { S3loError } from '@s3lo/core';
import { copy, pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketBlobProblems, bucketRef, listFiles, makeRegistry, readTag, tagKeyOf } from './fixtures/bucket.js';
import { buildDockerArchive, type DockerArchive } from './fixtures/docker-archive.js';
import { layoutBlobProblems, layoutEntries, layoutReachable, parseDoc, sha256Digest, skopeoInspect, skopeoRaw } from './fixtures/layout.js';
import { COPY_RESULT_KEYS, OCI_MANIFEST, configsAndLayers, totalSize } from './fixtures/results.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { assertToolsInstalled, run } from './fixtures/tools.js';

const registry = makeRegistry();

describe('round trips keep the manifest bytes and every blob byte-identical', () => {
  let dir: string;
  let gzipImage: OciImage;
  let plainImage: OciImage;
  let archive: DockerArchive;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('round-trip');
    [gzipImage, plainImage, archive] = await Promise.all([
      buildSingleImage({ dir: join(dir, 'gzip'), gzip: true }),
      buildSingleImage({ dir: join(dir, 'plain'), gzip: false }),
      buildDockerArchive({ dir: join(dir, 'archive') }),
    ]);
  });
  afterAll(() => removeDir(dir));

  test.each([
    { kind: 'gzip (umoci)', pick: () => gzipImage },
    { kind: 'uncompressed (buildah)', pick: () => plainImage },
  ])('oci -> bucket -> oci, $kind layers; results count every blob', async ({ pick }) => {
    const image = pick();
    const work = await testDir('oci-rt');
    const bucket = join(work, 'bucket');
    const manifest = await skopeoRaw(image.ref);
    const descriptors = await layoutReachable(image.layout, manifest);
    const blobs = configsAndLayers(descriptors);
    const destination = bucketRef(bucket, 'team/app', 'v1');

    const pushed = await push(image.ref, destination, { registry });
    expect(Object.keys(pushed).sort()).toEqual(COPY_RESULT_KEYS);
    expect(pushed).toEqual({
      reference: destination,
      source: image.ref,
      digest: sha256Digest(manifest),
      mediaType: OCI_MANIFEST,
      blobsCopied: blobs.length,
      blobsSkipped: 0,
      blobsRepaired: 0,
      bytesCopied: totalSize(blobs),
      platforms: ['linux/amd64'],
    });
    expect((await readTag(bucket, 'team/app', 'v1')).toString('utf8')).toBe(manifest.toString('utf8'));
    expect(await bucketBlobProblems(bucket, descriptors)).toEqual([]);

    // The same image pushed again: everything is there already.
    const again = await push(image.ref, destination, { registry });
    expect(again).toMatchObject({ blobsCopied: 0, blobsSkipped: blobs.length, bytesCopied: 0, digest: pushed.digest });

    const out = join(work, 'out');
    const pulled = await pull(destination, `oci:${out}:v1`, { registry });
    expect(Object.keys(pulled).sort()).toEqual(COPY_RESULT_KEYS);
    expect(pulled).toEqual({
      reference: `oci:${out}:v1`,
      source: destination,
      digest: sha256Digest(manifest),
      mediaType: OCI_MANIFEST,
      blobsCopied: blobs.length,
      blobsSkipped: 0,
      blobsRepaired: 0,
      bytesCopied: totalSize(blobs),
      platforms: ['linux/amd64'],
    });
    expect((await skopeoRaw(`oci:${out}:v1`)).toString('utf8')).toBe(manifest.toString('utf8'));
    expect(await layoutBlobProblems(out, descriptors)).toEqual([]);
    expect(await skopeoInspect(`oci:${out}:v1`)).toMatchObject({ Digest: pushed.digest, Architecture: 'amd64', Os: 'linux' });
  });

  test('docker-archive -> bucket -> oci-archive: layers stored as the plain tars of the archive', async () => {
    const work = await testDir('archive-rt');
    const bucket = join(work, 'bucket');
    const destination = bucketRef(bucket, 'app', 'v1');
    // skopeo's view of the archive: a Docker v2 manifest it synthesises from manifest.json.
    const skopeoView = parseDoc(await skopeoRaw(archive.ref));

    const pushed = await push(archive.ref, destination, { registry });
    expect(Object.keys(pushed).sort()).toEqual(COPY_RESULT_KEYS);
    const stored = await readTag(bucket, 'app', 'v1');
    const manifest = parseDoc(stored);
    expect(pushed).toMatchObject({ reference: destination, digest: sha256Digest(stored), blobsSkipped: 0, platforms: ['linux/amd64'] });
    // Same config bytes and the very layer tars of the archive (digest = diff_id), labelled as what they are.
    expect(manifest.config?.digest).toBe(skopeoView.config?.digest);
    expect(manifest.layers?.map((l) => l.digest)).toEqual(skopeoView.layers?.map((l) => l.digest));
    expect(manifest.layers?.map((l) => l.size)).toEqual(skopeoView.layers?.map((l) => l.size));
    for (const layer of manifest.layers ?? []) expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    const descriptors = [manifest.config!, ...(manifest.layers ?? [])];
    expect(pushed.blobsCopied).toBe(descriptors.length);
    expect(pushed.bytesCopied).toBe(totalSize(descriptors));
    expect(await bucketBlobProblems(bucket, descriptors)).toEqual([]);

    const out = join(work, 'out.tar');
    const pulled = await pull(destination, `oci-archive:${out}:v1`, { registry });
    expect(pulled).toMatchObject({ digest: pushed.digest, reference: `oci-archive:${out}:v1`, blobsCopied: descriptors.length });
    expect((await skopeoRaw(`oci-archive:${out}:v1`)).toString('utf8')).toBe(stored.toString('utf8'));
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['-xf', out, '-C', unpacked]);
    expect(await layoutBlobProblems(unpacked, descriptors)).toEqual([]);
    expect(await skopeoInspect(`oci-archive:${out}:v1`)).toMatchObject({ Digest: pushed.digest, Architecture: 'amd64' });
  });

  test('bucket -> another bucket copies every blob; bucket -> another tag of the same bucket skips them all', async () => {
    const work = await testDir('bucket-rt');
    const first = join(work, 'first');
    const second = join(work, 'second');
    const manifest = await skopeoRaw(gzipImage.ref);
    const descriptors = await layoutReachable(gzipImage.layout, manifest);
    const blobs = configsAndLayers(descriptors);
    await push(gzipImage.ref, bucketRef(first, 'app', 'v1'), { registry });

    const across = await copy(bucketRef(first, 'app', 'v1'), bucketRef(second, 'mirror/app', 'v1'), { registry });
    expect(Object.keys(across).sort()).toEqual(COPY_RESULT_KEYS);
    expect(across).toEqual({
      reference: bucketRef(second, 'mirror/app', 'v1'),
      source: bucketRef(first, 'app', 'v1'),
      digest: sha256Digest(manifest),
      mediaType: OCI_MANIFEST,
      blobsCopied: blobs.length,
      blobsSkipped: 0,
      blobsRepaired: 0,
      bytesCopied: totalSize(blobs),
      platforms: ['linux/amd64'],
    });
    expect((await readTag(second, 'mirror/app', 'v1')).toString('utf8')).toBe(manifest.toString('utf8'));
    expect(await bucketBlobProblems(second, descriptors)).toEqual([]);

    const before = await listFiles(first);
    const within = await copy(bucketRef(first, 'app', 'v1'), bucketRef(first, 'app', 'v2'), { registry });
    expect(within).toEqual({
      reference: bucketRef(first, 'app', 'v2'),
      source: bucketRef(first, 'app', 'v1'),
      digest: sha256Digest(manifest),
      mediaType: OCI_MANIFEST,
      blobsCopied: 0,
      blobsSkipped: blobs.length,
      blobsRepaired: 0,
      bytesCopied: 0,
      platforms: ['linux/amd64'],
    });
    expect(await listFiles(first)).toEqual([...before, tagKeyOf('app', 'v2')].sort());
    expect((await readTag(first, 'app', 'v2')).toString('utf8')).toBe(manifest.toString('utf8'));
  });

  test('concurrency 1 moves one blob at a time, largest first; 1 and 8 give the same results and the same bytes', async () => {
    const work = await testDir('concurrency');
    const results = [];
    for (const concurrency of [1, 8]) {
      const bucket = join(work, `bucket-${concurrency}`);
      const out = join(work, `out-${concurrency}`);
      // A blob is in flight from its first progress report to its onBlob.
      const inFlight = new Set<string>();
      let most = 0;
      const sizes: number[] = [];
      const watch = {
        onProgress: ({ digest }: { digest: string }) => {
          inFlight.add(digest);
          most = Math.max(most, inFlight.size);
        },
        onBlob: (digest: string, size: number) => {
          inFlight.delete(digest);
          sizes.push(size);
        },
      };
      const pushed = await push(plainImage.ref, bucketRef(bucket, 'app', 'v1'), { registry, concurrency, ...watch });
      const pulled = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry, concurrency, ...watch });
      if (concurrency === 1) {
        expect(most).toBe(1);
        // Push, then pull: each in order of size, the largest first.
        const half = sizes.length / 2;
        for (const moved of [sizes.slice(0, half), sizes.slice(half)]) expect(moved).toEqual([...moved].sort((a, b) => b - a));
        expect(new Set(sizes).size, 'blobs of different sizes, or the order says nothing').toBeGreaterThan(2);
      }
      results.push({
        pushed: { ...pushed, reference: undefined },
        pulled: { ...pulled, source: undefined, reference: undefined },
        files: await listFiles(bucket),
        manifest: (await skopeoRaw(`oci:${out}:v1`)).toString('utf8'),
      });
    }
    expect(results[1]).toEqual(results[0]);
    const manifest = await skopeoRaw(plainImage.ref);
    expect(await layoutBlobProblems(join(work, 'out-8'), await layoutReachable(plainImage.layout, manifest))).toEqual([]);
  });

  test('pull by digest (app@sha256:...) finds the tag holding it', async () => {
    const work = await testDir('by-digest');
    const bucket = join(work, 'bucket');
    const manifest = await skopeoRaw(gzipImage.ref);
    const digest = sha256Digest(manifest);
    await push(gzipImage.ref, bucketRef(bucket, 'team/app', 'v1'), { registry });
    const out = join(work, 'out');
    const pulled = await pull(`local://${bucket}//team/app@${digest}`, `oci:${out}:v1`, { registry });
    expect(pulled).toMatchObject({ digest, source: `local://${bucket}//team/app@${digest}` });
    expect((await skopeoRaw(`oci:${out}:v1`)).toString('utf8')).toBe(manifest.toString('utf8'));
    const missing = await pull(`local://${bucket}//team/app@sha256:${'0'.repeat(64)}`, `oci:${out}:v2`, { registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(missing, 'NOT_FOUND')).toBe(true);
  });

  test('pull into a layout umoci made: adds the tag, replaces it on a second pull, keeps the others', async () => {
    const work = await testDir('existing-layout');
    const bucket = join(work, 'bucket');
    const layout = join(work, 'layout');
    await run('cp', ['-a', gzipImage.layout, layout]);
    await push(plainImage.ref, bucketRef(bucket, 'app', 'plain'), { registry });
    await push(gzipImage.ref, bucketRef(bucket, 'app', 'gzip'), { registry });

    await pull(bucketRef(bucket, 'app', 'plain'), `oci:${layout}:extra`, { registry });
    const tags = async (): Promise<string[]> => (await run('umoci', ['ls', '--layout', layout])).stdout.toString('utf8').trim().split('\n').sort();
    expect(await tags()).toEqual([gzipImage.tag, 'extra'].sort());
    expect(sha256Digest(await skopeoRaw(`oci:${layout}:extra`))).toBe(sha256Digest(await skopeoRaw(plainImage.ref)));
    expect(sha256Digest(await skopeoRaw(`oci:${layout}:${gzipImage.tag}`))).toBe(sha256Digest(await skopeoRaw(gzipImage.ref)));

    await pull(bucketRef(bucket, 'app', 'gzip'), `oci:${layout}:extra`, { registry });
    expect(await tags()).toEqual([gzipImage.tag, 'extra'].sort());
    expect((await layoutEntries(layout)).filter((e) => e.annotations?.['org.opencontainers.image.ref.name'] === 'extra').length).toBe(1);
    expect(sha256Digest(await skopeoRaw(`oci:${layout}:extra`))).toBe(sha256Digest(await skopeoRaw(gzipImage.ref)));
    // umoci can still work with the layout.
    await run('umoci', ['stat', '--image', `${layout}:extra`]);
  });
});
