import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { S3loError, isAbortError } from '@s3lo/core';
import { pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketRef, listFiles, makeRegistry, tagKeyOf, tempFiles } from './fixtures/bucket.js';
import { layoutBlobProblems, layoutReachable, layoutTagEntry, skopeoRaw } from './fixtures/layout.js';
import { configsAndLayers } from './fixtures/results.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();

describe('an aborted copy leaves no tag and no temporary files; the next one resumes', () => {
  let dir: string;
  let image: OciImage;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('abort');
    image = await buildSingleImage({ dir, gzip: false });
  });
  afterAll(() => removeDir(dir));

  test('push aborted from onBlob after the first blob (concurrency 1)', async () => {
    const bucket = join(await testDir('abort-push'), 'bucket');
    const blobs = configsAndLayers(await layoutReachable(image.layout, await skopeoRaw(image.ref)));
    expect(blobs.length).toBeGreaterThanOrEqual(3);
    const controller = new AbortController();
    let done = 0;
    const error = await push(image.ref, bucketRef(bucket, 'app', 'v1'), {
      registry,
      concurrency: 1,
      signal: controller.signal,
      onBlob: () => {
        done++;
        if (done === 1) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(S3loError.isInstance(error, 'ABORTED')).toBe(true);
    expect(done).toBe(1);

    const keys = await listFiles(bucket);
    expect(keys).not.toContain(tagKeyOf('app', 'v1'));
    expect(keys.filter((key) => key.startsWith('manifests/'))).toEqual([]);
    expect(await tempFiles(bucket)).toEqual([]);
    // The lease of the aborted push was given back.
    expect(keys.filter((key) => key.startsWith('leases/'))).toEqual([]);
    // Exactly the one finished blob stayed (an orphan for GC).
    expect(keys.filter((key) => key.startsWith('blobs/')).length).toBe(1);

    const resumed = await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry, concurrency: 1 });
    expect(resumed.blobsSkipped).toBe(1);
    expect(resumed.blobsCopied).toBe(blobs.length - 1);
    expect(await listFiles(bucket)).toContain(tagKeyOf('app', 'v1'));
  });

  test('push aborted while a layer is streaming (from onProgress)', async () => {
    const bucket = join(await testDir('abort-stream'), 'bucket');
    const controller = new AbortController();
    const error = await push(image.ref, bucketRef(bucket, 'app', 'v1'), {
      registry,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.size > 1024 * 1024 && progress.bytes > 0 && progress.bytes < progress.size) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(await listFiles(bucket)).not.toContain(tagKeyOf('app', 'v1'));
    expect(await tempFiles(bucket)).toEqual([]);
    expect((await listFiles(bucket)).filter((key) => key.startsWith('leases/'))).toEqual([]);
    const resumed = await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    expect(resumed.blobsCopied + resumed.blobsSkipped).toBeGreaterThanOrEqual(3);
  });

  test('pull into an OCI layout aborted after the first blob: no tag, no temporary files; the next pull works', async () => {
    const work = await testDir('abort-pull');
    const bucket = join(work, 'bucket');
    const out = join(work, 'out');
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const controller = new AbortController();
    const error = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, {
      registry,
      concurrency: 1,
      signal: controller.signal,
      onBlob: () => controller.abort(),
    }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(await layoutTagEntry(out, 'v1')).toBeUndefined();
    expect(await tempFiles(out)).toEqual([]);
    const resumed = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
    expect(resumed.blobsSkipped + resumed.blobsCopied).toBeGreaterThanOrEqual(3);
    const manifest = await skopeoRaw(`oci:${out}:v1`);
    expect(await layoutBlobProblems(out, await layoutReachable(out, manifest))).toEqual([]);
  });

  test('pull into an oci-archive aborted after the first blob: no archive, nothing left beside it', async () => {
    const work = await testDir('abort-archive');
    const bucket = join(work, 'bucket');
    const outDir = join(work, 'out');
    await mkdir(outDir);
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const controller = new AbortController();
    const error = await pull(bucketRef(bucket, 'app', 'v1'), `oci-archive:${join(outDir, 'image.tar')}:v1`, {
      registry,
      concurrency: 1,
      signal: controller.signal,
      onBlob: () => controller.abort(),
    }).catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(await readdir(outDir)).toEqual([]);
  });
});
