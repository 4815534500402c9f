import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3loError } from '@s3lo/core';
import { copy, pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blobKeyOf, bucketRef, listFiles, makeRegistry, tagKeyOf, tempFiles } from './fixtures/bucket.js';
import { blobPath, hashFile, layoutEntries, layoutTagEntry, parseDoc, sha256Digest, skopeo, skopeoRaw, type Desc } from './fixtures/layout.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { tamper } from './fixtures/tamper.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();

/** Nothing stored under `digest` unless it really has that digest. */
async function noCorruptBlob(path: string, digest: string): Promise<void> {
  if (existsSync(path)) expect(await hashFile(path)).toBe(digest);
}

describe('a tampered blob in the bucket is never handed on', () => {
  let dir: string;
  let image: OciImage;
  let layer: Desc;
  let manifest: Buffer;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('tamper');
    image = await buildSingleImage({ dir, gzip: true });
    manifest = await skopeoRaw(image.ref);
    const layers = parseDoc(manifest).layers ?? [];
    layer = [...layers].sort((a, b) => b.size - a.size)[0] as Desc;
  });
  afterAll(() => removeDir(dir));

  async function tamperedBucket(work: string): Promise<string> {
    const bucket = join(work, 'bucket');
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    await tamper(join(bucket, blobKeyOf(layer.digest)));
    expect(await hashFile(join(bucket, blobKeyOf(layer.digest)))).not.toBe(layer.digest);
    return bucket;
  }

  test('pull into a new OCI layout: DIGEST_MISMATCH, no tag', async () => {
    const work = await testDir('tamper-pull-new');
    const bucket = await tamperedBucket(work);
    const out = join(work, 'out');
    const error = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'DIGEST_MISMATCH')).toBe(true);
    expect(await layoutTagEntry(out, 'v1')).toBeUndefined();
    await noCorruptBlob(blobPath(out, layer.digest), layer.digest);
    expect(await tempFiles(out)).toEqual([]);
  });

  test('pull into an OCI layout that has the tag and others: DIGEST_MISMATCH, index.json unchanged', async () => {
    const work = await testDir('tamper-pull-existing');
    const bucket = await tamperedBucket(work);
    const out = join(work, 'out');
    // The layout already holds another image, written by skopeo.
    const other = await buildSingleImage({ dir: join(work, 'other'), gzip: true });
    await skopeo(['copy', other.ref, `oci:${out}:keep`]);
    await skopeo(['copy', other.ref, `oci:${out}:v1`]);
    const before = await readFile(join(out, 'index.json'));
    const error = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'DIGEST_MISMATCH')).toBe(true);
    expect((await readFile(join(out, 'index.json'))).toString('utf8')).toBe(before.toString('utf8'));
    expect((await layoutEntries(out)).length).toBe(2);
    // v1 still names the image it named before.
    expect(sha256Digest(await skopeoRaw(`oci:${out}:v1`))).toBe(sha256Digest(await skopeoRaw(other.ref)));
    await noCorruptBlob(blobPath(out, layer.digest), layer.digest);
    expect(await tempFiles(out)).toEqual([]);
  });

  test('pull into an oci-archive: DIGEST_MISMATCH, no archive file appears', async () => {
    const work = await testDir('tamper-archive');
    const bucket = await tamperedBucket(work);
    const out = join(work, 'out.tar');
    const error = await pull(bucketRef(bucket, 'app', 'v1'), `oci-archive:${out}:v1`, { registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'DIGEST_MISMATCH')).toBe(true);
    expect(existsSync(out)).toBe(false);
    // No partial archive, no spool directory beside it.
    expect(await readdir(work)).toEqual(['bucket']);
  });

  test('copy bucket -> another bucket: DIGEST_MISMATCH, no tag, nothing corrupt stored', async () => {
    const work = await testDir('tamper-copy');
    const bucket = await tamperedBucket(work);
    const other = join(work, 'other');
    const error = await copy(bucketRef(bucket, 'app', 'v1'), bucketRef(other, 'app', 'v1'), { registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'DIGEST_MISMATCH')).toBe(true);
    const keys = await listFiles(other);
    expect(keys).not.toContain(tagKeyOf('app', 'v1'));
    expect(keys.filter((key) => key.startsWith('manifests/') || key.startsWith('leases/'))).toEqual([]);
    await noCorruptBlob(join(other, blobKeyOf(layer.digest)), layer.digest);
    expect(await tempFiles(other)).toEqual([]);
  });

  test('a tampered config: DIGEST_MISMATCH, no tag', async () => {
    const work = await testDir('tamper-config');
    const bucket = join(work, 'bucket');
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const config = parseDoc(manifest).config as Desc;
    await tamper(join(bucket, blobKeyOf(config.digest)));
    const error = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${join(work, 'out')}:v1`, { registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, 'DIGEST_MISMATCH')).toBe(true);
    expect(await layoutTagEntry(join(work, 'out'), 'v1')).toBeUndefined();
  });
});
