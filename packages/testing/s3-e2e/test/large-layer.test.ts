import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, image } from '@s3lo/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  MiB,
  adminClient,
  backendOptions,
  blobKeyOf,
  blobPath,
  cephServer,
  layoutTagBytes,
  listKeys,
  makeImage,
  makeRegistry,
  makeTempDir,
  pendingUploads,
  removeBucket,
  removeDir,
  sha256File,
  tagKeyOf,
  type SingleImage,
} from './support.js';

const server = cephServer();
const registry = makeRegistry();
const GiB = 1024 * MiB;
/** The backend's defaults: above 16 MiB an object goes multipart, in 8 MiB parts. */
const PART_SIZE = 8 * MiB;

async function head(bucket: string, key: string): Promise<{ etag: string; size: number }> {
  const out = await adminClient(server!).send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { etag: out.ETag ?? '', size: out.ContentLength ?? -1 };
}

async function exists(bucket: string, key: string): Promise<boolean> {
  try {
    await head(bucket, key);
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

// One file, run in order: the OSD keeps object data in RAM (memstore), so each
// test removes its bucket before the next writes.
describe.runIf(server !== undefined)('ceph-rgw: large layers', () => {
  let dir: string;
  const options = () => ({ registry, backendOptions: backendOptions(server!) });

  beforeAll(async () => {
    dir = await makeTempDir('large');
  });
  afterAll(() => removeDir(dir));

  test('a 1 GiB layer goes up multipart and comes back byte-exact', { timeout: 300_000 }, async () => {
    let big: SingleImage | undefined;
    const bucket = await server!.createBucket();
    try {
      const t0 = performance.now();
      big = await makeImage(join(dir, 'big'), [GiB]);
      const layer = big.layers[0]!;
      const made = performance.now() - t0;

      const t1 = performance.now();
      const pushed = await image.push(big.ref, `s3://${bucket}/big:v1`, options());
      const pushMs = performance.now() - t1;
      expect(pushed).toMatchObject({ digest: big.manifest.digest, blobsCopied: 2, blobsSkipped: 0, bytesCopied: big.config.size + layer.size });

      // A multipart object's ETag is "<md5 of the part md5s>-<parts>"; a PutObject's has no suffix.
      const layerHead = await head(bucket, blobKeyOf(layer.digest));
      expect(layerHead.size).toBe(layer.size);
      expect(layerHead.etag).toMatch(new RegExp(`^"[0-9a-f]{32}-${Math.ceil(layer.size / PART_SIZE)}"$`));
      expect((await head(bucket, blobKeyOf(big.config.digest))).etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(await listKeys(server!, bucket)).toEqual([blobKeyOf(big.config.digest), blobKeyOf(layer.digest), tagKeyOf('big', 'v1')].sort());
      expect(await pendingUploads(server!, bucket)).toEqual([]);

      const out = join(dir, 'big-pulled');
      const t2 = performance.now();
      const pulled = await image.pull(`s3://${bucket}/big:v1`, `oci:${out}:v1`, options());
      const pullMs = performance.now() - t2;
      expect(pulled).toMatchObject({ digest: big.manifest.digest, blobsCopied: 2, bytesCopied: big.config.size + layer.size });
      expect(await sha256File(blobPath(out, layer.digest))).toBe(layer.digest);
      expect((await layoutTagBytes(out, 'v1')).equals(big.manifestBytes)).toBe(true);

      const mibps = (ms: number): string => `${(layer.size / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
      console.log(`1 GiB image on Ceph RGW: made in ${seconds(made)}; push ${seconds(pushMs)} (${mibps(pushMs)}); pull ${seconds(pullMs)} (${mibps(pullMs)})`);
    } finally {
      await removeBucket(server!, bucket);
      await removeDir(join(dir, 'big'));
      await removeDir(join(dir, 'big-pulled'));
    }
  });

  test('aborting a push mid-layer leaves no tag, no layer object and no multipart upload; the next push completes', { timeout: 180_000 }, async () => {
    const img = await makeImage(join(dir, 'abort'), [320 * MiB]);
    const layer = img.layers[0]!;
    const bucket = await server!.createBucket();
    try {
      const controller = new AbortController();
      let abortedAt = 0;
      const t0 = performance.now();
      const failed = await image
        .push(img.ref, `s3://${bucket}/app:v1`, {
          ...options(),
          signal: controller.signal,
          onProgress: (p) => {
            if (p.digest === layer.digest && p.bytes > 100 * MiB && !controller.signal.aborted) {
              abortedAt = p.bytes;
              controller.abort();
            }
          },
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const settledMs = performance.now() - t0;
      expect(abortedAt).toBeGreaterThan(100 * MiB);
      expect(abortedAt).toBeLessThan(layer.size);
      expect(failed).toBeInstanceOf(S3loError);
      expect((failed as S3loError).code).toBe(ErrorCode.ABORTED);

      const keys = await listKeys(server!, bucket);
      // At most the small config made it (it moves beside the layer); no tag, no lease left behind.
      expect(keys.filter((k) => k !== blobKeyOf(img.config.digest))).toEqual([]);
      expect(keys).not.toContain(blobKeyOf(layer.digest));
      expect(await exists(bucket, blobKeyOf(layer.digest))).toBe(false);
      expect(await pendingUploads(server!, bucket)).toEqual([]);
      console.log(`abort: signalled at ${(abortedAt / MiB).toFixed(0)} MiB, push settled ${seconds(settledMs)} after start; keys left: ${JSON.stringify(keys)}`);

      const skipped: boolean[] = [];
      const pushed = await image.push(img.ref, `s3://${bucket}/app:v1`, { ...options(), onBlob: (d, _s, s) => d === layer.digest && skipped.push(s) });
      expect(pushed.digest).toBe(img.manifest.digest);
      expect(pushed.blobsCopied + pushed.blobsSkipped).toBe(2);
      expect(skipped).toEqual([false]);
      expect(await listKeys(server!, bucket)).toEqual([blobKeyOf(img.config.digest), blobKeyOf(layer.digest), tagKeyOf('app', 'v1')].sort());
      expect((await head(bucket, blobKeyOf(layer.digest))).size).toBe(layer.size);
      expect(await pendingUploads(server!, bucket)).toEqual([]);
    } finally {
      await removeBucket(server!, bucket);
      await removeDir(join(dir, 'abort'));
    }
  });
});
