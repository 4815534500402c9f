import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { image } from '@s3lo/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  OCI_INDEX,
  adminClient,
  backendOptions,
  blobKeyOf,
  blobPath,
  cephServer,
  filesUnder,
  layoutTagBytes,
  makeImage,
  makeMultiPlatformImage,
  makeRegistry,
  makeTempDir,
  removeBucket,
  removeDir,
  listKeys,
  tagKeyOf,
  type Desc,
  type MultiImage,
  type SingleImage,
} from './support.js';

const run = promisify(execFile);
const server = cephServer();
const registry = makeRegistry();

async function getObject(bucket: string, key: string): Promise<Buffer> {
  const out = await adminClient(server!).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

const blobKeys = (blobs: readonly Desc[]): string[] => [...new Set(blobs.map((b) => blobKeyOf(b.digest)))];
const totalSize = (blobs: readonly Desc[]): number => blobs.reduce((sum, b) => sum + b.size, 0);

/** The layout holds the index and every blob, each byte-identical to the source layout's. */
async function expectLayoutCopy(out: string, source: MultiImage, tag: string): Promise<void> {
  expect((await layoutTagBytes(out, tag)).equals(source.indexBytes)).toBe(true);
  const expected = [source.index, ...source.blobs].map((b) => join('blobs', 'sha256', b.digest.slice(7))).sort();
  expect((await filesUnder(join(out, 'blobs'))).map((f) => join('blobs', f))).toEqual(expected);
  for (const blob of [source.index, ...source.blobs]) {
    expect((await readFile(blobPath(out, blob.digest))).equals(await readFile(blobPath(source.dir, blob.digest))), blob.digest).toBe(true);
  }
}

describe.runIf(server !== undefined)('ceph-rgw: a multi-platform image with an attestation', () => {
  let dir: string;
  let multi: MultiImage;
  let solo: SingleImage;
  let bucket: string;
  const buckets: string[] = [];
  const options = () => ({ registry, backendOptions: backendOptions(server!) });

  beforeAll(async () => {
    dir = await makeTempDir('multi');
    multi = await makeMultiPlatformImage(join(dir, 'src'));
    solo = await makeImage(join(dir, 'solo'), [5000, 70_000]);
    bucket = await server!.createBucket();
    buckets.push(bucket);
  });
  afterAll(async () => {
    for (const b of buckets) await removeBucket(server!, b).catch(() => {});
    await removeDir(dir);
  });

  test('push from an OCI layout writes exactly the bucket format keys; pull back is byte-identical; skopeo reads it', async () => {
    const pushed = await image.push(multi.ref, `s3://${bucket}/app:v1`, options());
    expect(pushed).toMatchObject({
      digest: multi.index.digest,
      mediaType: OCI_INDEX,
      blobsCopied: multi.contents.length,
      blobsSkipped: 0,
      bytesCopied: totalSize(multi.contents),
      platforms: ['linux/amd64', 'linux/arm64/v8'],
    });
    // Results count configs and layers (3 + 5); the bucket also holds the 3 child
    // manifests (the attestation's too) as blobs; one tag; no leases/ or gc-runs/ left.
    expect(multi.contents).toHaveLength(8);
    expect(multi.blobs).toHaveLength(11);
    expect(await listKeys(server!, bucket)).toEqual([...blobKeys(multi.blobs), tagKeyOf('app', 'v1')].sort());
    expect((await getObject(bucket, tagKeyOf('app', 'v1'))).equals(multi.indexBytes)).toBe(true);
    for (const blob of multi.blobs) {
      expect((await getObject(bucket, blobKeyOf(blob.digest))).equals(await readFile(blobPath(multi.dir, blob.digest))), blob.digest).toBe(true);
    }

    const out = join(dir, 'pulled');
    const pulled = await image.pull(`s3://${bucket}/app:v1`, `oci:${out}:v1`, options());
    expect(pulled).toMatchObject({ digest: multi.index.digest, mediaType: OCI_INDEX, blobsCopied: multi.contents.length, bytesCopied: totalSize(multi.contents) });
    await expectLayoutCopy(out, multi, 'v1');

    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${out}:v1`], { encoding: 'buffer', maxBuffer: 16 << 20 });
    expect(stdout.equals(multi.indexBytes)).toBe(true);
  });

  test('copy S3 -> S3 to another tag of the same bucket moves no blob bytes', async () => {
    const blobs: { digest: string; skipped: boolean }[] = [];
    let progressBytes = 0;
    const copied = await image.copy(`s3://${bucket}/app:v1`, `s3://${bucket}/app:v2`, {
      ...options(),
      onBlob: (digest, _size, skipped) => blobs.push({ digest, skipped }),
      onProgress: (p) => (progressBytes += p.bytes),
    });
    expect(copied).toMatchObject({ digest: multi.index.digest, blobsCopied: 0, blobsSkipped: multi.contents.length, bytesCopied: 0 });
    expect(blobs).toHaveLength(multi.contents.length);
    expect(blobs.every((b) => b.skipped)).toBe(true);
    expect(progressBytes).toBe(0);
    expect((await getObject(bucket, tagKeyOf('app', 'v2'))).equals(multi.indexBytes)).toBe(true);
    expect(await listKeys(server!, bucket)).toEqual([...blobKeys(multi.blobs), tagKeyOf('app', 'v1'), tagKeyOf('app', 'v2')].sort());
  });

  test('copy S3 -> local:// -> S3 (another bucket) streams and verifies every blob', async () => {
    const local = join(dir, 'local-bucket');
    const toLocal = await image.copy(`s3://${bucket}/app:v1`, `local://${local}//app:v1`, options());
    expect(toLocal).toMatchObject({ digest: multi.index.digest, blobsCopied: multi.contents.length, blobsSkipped: 0, bytesCopied: totalSize(multi.contents) });
    expect((await readFile(join(local, tagKeyOf('app', 'v1')))).equals(multi.indexBytes)).toBe(true);

    const other = await server!.createBucket();
    buckets.push(other);
    const back = await image.copy(`local://${local}//app:v1`, `s3://${other}/team/app:v1`, options());
    expect(back).toMatchObject({ digest: multi.index.digest, blobsCopied: multi.contents.length, blobsSkipped: 0, bytesCopied: totalSize(multi.contents) });
    expect(await listKeys(server!, other)).toEqual([...blobKeys(multi.blobs), tagKeyOf('team/app', 'v1')].sort());
    expect((await getObject(other, tagKeyOf('team/app', 'v1'))).equals(multi.indexBytes)).toBe(true);
    for (const blob of multi.blobs) {
      expect((await getObject(other, blobKeyOf(blob.digest))).equals(await readFile(blobPath(multi.dir, blob.digest))), blob.digest).toBe(true);
    }
  });

  test('inspect, list and stats (logical > actual once two tags share the blobs)', async () => {
    const info = await image.inspect(`s3://${bucket}/app:v1`, options());
    expect(info).toMatchObject({ digest: multi.index.digest, mediaType: OCI_INDEX, isIndex: true, tags: ['v1'], layers: [] });
    expect(info.platforms.map((p) => [p.platform, p.digest, p.attestation])).toEqual([
      ['linux/amd64', multi.children[0]!.manifest.digest, false],
      ['linux/arm64/v8', multi.children[1]!.manifest.digest, false],
      ['unknown/unknown', multi.children[2]!.manifest.digest, true],
    ]);
    const childTotal = (i: number): number => totalSize([multi.children[i]!.config, ...multi.children[i]!.layers]);
    expect(info.platforms.map((p) => p.totalSize)).toEqual([childTotal(0), childTotal(1), childTotal(2)]);
    expect(info.totalSize).toBe(childTotal(0) + childTotal(1) + childTotal(2));

    expect(await image.list(`s3://${bucket}`, options())).toEqual([{ name: 'app', tags: ['v1', 'v2'] }]);

    const s = await image.stats(`s3://${bucket}`, options());
    expect(s).toMatchObject({
      images: 1,
      tags: 2,
      uniqueBlobs: multi.blobs.length,
      logicalBytes: 2 * info.totalSize,
      actualBytes: totalSize(multi.blobs),
    });
    expect(s.logicalBytes).toBeGreaterThan(s.actualBytes);
    expect(s.savedBytes).toBe(s.logicalBytes - s.actualBytes);
  });

  test('delete a tag, gc with no grace period: dry run equals the real run, the other tag still pulls', async () => {
    // A second image whose blobs only its tag references, then both it and app:v1 are deleted.
    const soloPush = await image.push(solo.ref, `s3://${bucket}/solo:v1`, options());
    expect(soloPush.blobsCopied).toBe(1 + solo.layers.length);
    await image.deleteImage(`s3://${bucket}/solo:v1`, options());
    await image.deleteImage(`s3://${bucket}/app:v1`, options());
    expect(await image.list(`s3://${bucket}`, options())).toEqual([{ name: 'app', tags: ['v2'] }]);

    const soloBlobs = [solo.config, ...solo.layers];
    const dry = await image.gc(`s3://${bucket}`, { ...options(), dryRun: true, gracePeriodMs: 0 });
    expect(dry).toMatchObject({
      dryRun: true,
      roots: 1,
      scanned: multi.blobs.length + soloBlobs.length,
      deleted: soloBlobs.length,
      freedBytes: totalSize(soloBlobs),
    });
    expect([...dry.deletedDigests].sort()).toEqual(soloBlobs.map((b) => b.digest).sort());
    // A dry run deletes nothing.
    expect(await listKeys(server!, bucket)).toEqual([...blobKeys(multi.blobs), ...blobKeys(soloBlobs), tagKeyOf('app', 'v2')].sort());

    const real = await image.gc(`s3://${bucket}`, { ...options(), gracePeriodMs: 0 });
    expect({ ...real, dryRun: true }).toEqual(dry);
    expect(real.dryRun).toBe(false);
    // Only app:v2 and its blobs are left: no gc-runs/ marker, no leases/.
    expect(await listKeys(server!, bucket)).toEqual([...blobKeys(multi.blobs), tagKeyOf('app', 'v2')].sort());

    const out = join(dir, 'after-gc');
    await image.pull(`s3://${bucket}/app:v2`, `oci:${out}:v2`, options());
    await expectLayoutCopy(out, multi, 'v2');
  });
});
