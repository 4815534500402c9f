import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3loError } from '@s3lo/core';
import { copy, inspect, pull, push, stats } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blobKeyOf, bucketBlobProblems, bucketLocation, bucketReachable, bucketRef, listFiles, makeRegistry, readTag, tagKeyOf } from './fixtures/bucket.js';
import { blobPath, layoutBlobProblems, layoutReachable, parseDoc, sha256Digest, skopeo, skopeoInspect, skopeoRaw, type Desc } from './fixtures/layout.js';
import { buildMultiPlatformIndex, type MultiPlatformImage } from './fixtures/multi-platform.js';
import { COPY_RESULT_KEYS, OCI_INDEX, OCI_MANIFEST, configsAndLayers, totalSize } from './fixtures/results.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();

describe('multi-platform images', () => {
  let dir: string;
  let multi: MultiPlatformImage;
  let entries: Desc[];

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('multi');
    multi = await buildMultiPlatformIndex({ dir });
    entries = parseDoc(multi.indexBytes).manifests ?? [];
  });
  afterAll(() => removeDir(dir));

  const childBlobs = async (digest: string): Promise<Desc[]> => layoutReachable(multi.layout, await readFile(blobPath(multi.layout, digest)));

  test('push with no platform stores the index verbatim, every child (attestation too) as a blob', async () => {
    const work = await testDir('multi-all');
    const bucket = join(work, 'bucket');
    const descriptors = await layoutReachable(multi.layout, multi.indexBytes);
    const blobs = configsAndLayers(descriptors);
    const pushed = await push(multi.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    expect(Object.keys(pushed).sort()).toEqual(COPY_RESULT_KEYS);
    expect(pushed).toEqual({
      reference: bucketRef(bucket, 'app', 'v1'),
      source: multi.ref,
      digest: multi.indexDigest,
      mediaType: OCI_INDEX,
      blobsCopied: blobs.length,
      blobsSkipped: 0,
      blobsRepaired: 0,
      bytesCopied: totalSize(blobs),
      // The attestation is copied, never reported as a platform.
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect((await readTag(bucket, 'app', 'v1')).toString('utf8')).toBe(multi.indexBytes.toString('utf8'));
    expect(await bucketBlobProblems(bucket, descriptors)).toEqual([]);
    for (const entry of entries) {
      expect((await readFile(join(bucket, blobKeyOf(entry.digest)))).equals(await readFile(blobPath(multi.layout, entry.digest)))).toBe(true);
    }

    // And back out, whole: skopeo sees the same index and copies every platform.
    const out = join(work, 'out');
    const pulled = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
    expect(pulled).toMatchObject({ digest: multi.indexDigest, mediaType: OCI_INDEX, platforms: ['linux/amd64', 'linux/arm64'] });
    expect((await skopeoRaw(`oci:${out}:v1`)).toString('utf8')).toBe(multi.indexBytes.toString('utf8'));
    expect(await layoutBlobProblems(out, descriptors)).toEqual([]);
    await skopeo(['copy', '--all', `oci:${out}:v1`, `oci:${join(work, 'skopeo-copy')}:v1`]);
    expect((await skopeoRaw(`oci:${join(work, 'skopeo-copy')}:v1`)).toString('utf8')).toBe(multi.indexBytes.toString('utf8'));
  });

  test("platform linux/arm64: the arm64 child becomes the tag, with only that child's blobs", async () => {
    const work = await testDir('multi-arm64');
    const bucket = join(work, 'bucket');
    const child = multi.children['linux/arm64'];
    const childBytes = await readFile(blobPath(multi.layout, child));
    const blobs = await childBlobs(child);
    const pushed = await push(multi.ref, bucketRef(bucket, 'app', 'arm'), { registry, platform: 'linux/arm64' });
    expect(pushed).toEqual({
      reference: bucketRef(bucket, 'app', 'arm'),
      source: multi.ref,
      digest: child,
      mediaType: OCI_MANIFEST,
      blobsCopied: blobs.length,
      blobsSkipped: 0,
      blobsRepaired: 0,
      bytesCopied: totalSize(blobs),
      platforms: ['linux/arm64'],
    });
    expect((await readTag(bucket, 'app', 'arm')).toString('utf8')).toBe(childBytes.toString('utf8'));
    expect(await listFiles(bucket)).toEqual([...blobs.map((b) => blobKeyOf(b.digest)), tagKeyOf('app', 'arm')].sort());

    const out = join(work, 'out');
    const pulled = await pull(bucketRef(bucket, 'app', 'arm'), `oci:${out}:arm`, { registry });
    expect(pulled).toMatchObject({ digest: child, platforms: ['linux/arm64'] });
    expect(await skopeoInspect(`oci:${out}:arm`)).toMatchObject({ Digest: child, Architecture: 'arm64', Os: 'linux' });
  });

  test('platform selection also works pulling out of a bucket that holds the whole index', async () => {
    const work = await testDir('multi-pull-amd64');
    const bucket = join(work, 'bucket');
    await push(multi.ref, bucketRef(bucket, 'app', 'all'), { registry });
    const out = join(work, 'out');
    const pulled = await pull(bucketRef(bucket, 'app', 'all'), `oci:${out}:amd`, { registry, platform: 'linux/amd64' });
    expect(pulled).toMatchObject({ digest: multi.children['linux/amd64'], mediaType: OCI_MANIFEST, platforms: ['linux/amd64'] });
    expect(sha256Digest(await skopeoRaw(`oci:${out}:amd`))).toBe(multi.children['linux/amd64']);
    const amdBlobs = await childBlobs(multi.children['linux/amd64']);
    expect(await layoutBlobProblems(out, amdBlobs)).toEqual([]);
    expect(pulled.blobsCopied).toBe(amdBlobs.length);
  });

  test('two platforms: a new index with exactly those two entries, attestation left out', async () => {
    const work = await testDir('multi-two');
    const bucket = join(work, 'bucket');
    const pushed = await push(multi.ref, bucketRef(bucket, 'app', 'two'), { registry, platform: ['linux/arm64', 'linux/amd64'] });
    const stored = await readTag(bucket, 'app', 'two');
    const index = parseDoc(stored);
    expect(pushed).toMatchObject({ digest: sha256Digest(stored), mediaType: OCI_INDEX, platforms: ['linux/amd64', 'linux/arm64'] });
    expect(index.mediaType).toBe(OCI_INDEX);
    expect(index.manifests).toEqual(entries.filter((e) => e.platform?.os === 'linux'));
    const descriptors = await bucketReachable(bucket, stored);
    expect(descriptors.map((d) => d.digest)).not.toContain(multi.attestation);
    for (const digest of [multi.attestation, ...multi.attestationBlobs]) expect(await listFiles(bucket)).not.toContain(blobKeyOf(digest));
    expect(await listFiles(bucket)).toEqual([...descriptors.map((d) => blobKeyOf(d.digest)), tagKeyOf('app', 'two')].sort());
    expect(await bucketBlobProblems(bucket, descriptors)).toEqual([]);

    // skopeo takes the new index as it is.
    const out = join(work, 'out');
    await pull(bucketRef(bucket, 'app', 'two'), `oci:${out}:two`, { registry });
    await skopeo(['copy', '--all', `oci:${out}:two`, `oci:${join(work, 'skopeo-copy')}:two`]);
    expect((await skopeoRaw(`oci:${join(work, 'skopeo-copy')}:two`)).toString('utf8')).toBe(stored.toString('utf8'));
  });

  test('a platform the index lacks: PLATFORM_NOT_FOUND listing what it has; nothing written', async () => {
    const work = await testDir('multi-missing');
    const bucket = join(work, 'bucket');
    const error = await push(multi.ref, bucketRef(bucket, 'app', 'v1'), { registry, platform: 'linux/s390x' }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'PLATFORM_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('linux/s390x');
    expect((error as Error).message).toContain('linux/amd64');
    expect((error as Error).message).toContain('linux/arm64');
    expect((await listFiles(bucket)).filter((key) => key.startsWith('manifests/') || key.startsWith('blobs/'))).toEqual([]);
  });

  test('the attestation is never selected, not even by its unknown/unknown platform', async () => {
    const work = await testDir('multi-attestation');
    const bucket = join(work, 'bucket');
    const error = await push(multi.ref, bucketRef(bucket, 'app', 'v1'), { registry, platform: 'unknown/unknown' }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'PLATFORM_NOT_FOUND')).toBe(true);
    expect((await listFiles(bucket)).filter((key) => key.startsWith('manifests/'))).toEqual([]);
  });

  test('bucket -> bucket copy of the whole index, then of one platform, skips what is there', async () => {
    const work = await testDir('multi-copy');
    const first = join(work, 'first');
    const second = join(work, 'second');
    const descriptors = await layoutReachable(multi.layout, multi.indexBytes);
    const blobs = configsAndLayers(descriptors);
    await push(multi.ref, bucketRef(first, 'app', 'v1'), { registry });
    const all = await copy(bucketRef(first, 'app', 'v1'), bucketRef(second, 'app', 'v1'), { registry });
    expect(all).toMatchObject({ digest: multi.indexDigest, blobsCopied: blobs.length, blobsSkipped: 0 });
    expect((await readTag(second, 'app', 'v1')).toString('utf8')).toBe(multi.indexBytes.toString('utf8'));
    expect(await bucketBlobProblems(second, descriptors)).toEqual([]);
    const arm = await copy(bucketRef(first, 'app', 'v1'), bucketRef(second, 'app', 'arm'), { registry, platform: 'linux/arm64' });
    expect(arm).toMatchObject({ digest: multi.children['linux/arm64'], blobsCopied: 0, bytesCopied: 0 });
    expect(arm.blobsSkipped).toBe((await childBlobs(multi.children['linux/arm64'])).length);
  });

  test('inspect lists every entry, attestation marked; stats count each child; a child digest pulls that child', async () => {
    const work = await testDir('multi-inspect');
    const bucket = join(work, 'bucket');
    await push(multi.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const info = await inspect(bucketRef(bucket, 'app', 'v1'), { registry });
    expect(info).toMatchObject({ digest: multi.indexDigest, mediaType: OCI_INDEX, isIndex: true, tags: ['v1'], layers: [] });
    expect(info.platforms.map((p) => [p.platform, p.digest, p.attestation])).toEqual([
      ['linux/amd64', multi.children['linux/amd64'], false],
      ['linux/arm64', multi.children['linux/arm64'], false],
      ['unknown/unknown', multi.attestation, true],
    ]);
    const childTotals = await Promise.all(entries.map(async (e) => totalSize(await childBlobs(e.digest))));
    expect(info.platforms.map((p) => p.totalSize)).toEqual(childTotals);
    expect(info.totalSize).toBe(childTotals.reduce((a, b) => a + b, 0));

    const counted = await stats(bucketLocation(bucket), { registry });
    const stored = await listFiles(bucket);
    expect(counted).toMatchObject({ images: 1, tags: 1, logicalBytes: info.totalSize, uniqueBlobs: stored.filter((k) => k.startsWith('blobs/')).length });

    const child = multi.children['linux/arm64'];
    const byDigest = await inspect(`local://${bucket}//app@${child}`, { registry });
    expect(byDigest).toMatchObject({ digest: child, isIndex: false, tags: ['v1'], childOf: [multi.indexDigest] });
    const out = join(work, 'out');
    const pulled = await pull(`local://${bucket}//app@${child}`, `oci:${out}:arm`, { registry });
    expect(pulled).toMatchObject({ digest: child, platforms: ['linux/arm64'] });
    expect(await skopeoInspect(`oci:${out}:arm`)).toMatchObject({ Digest: child, Architecture: 'arm64' });
  });
});
