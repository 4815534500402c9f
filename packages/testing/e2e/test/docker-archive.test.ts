import { join } from 'node:path';
import { pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketBlobProblems, bucketRef, makeRegistry, readTag } from './fixtures/bucket.js';
import { buildDocker25Archive, buildDockerArchive, gzipFirstLayer, type DockerArchive } from './fixtures/docker-archive.js';
import { layOutGoBucket } from './fixtures/go-bucket.js';
import { layoutBlobProblems, layoutReachable, parseDoc, sha256Digest, skopeoInspect, skopeoRaw } from './fixtures/layout.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();

describe('docker save archives of every vintage', () => {
  let dir: string;
  let archive: DockerArchive;
  let gzipImage: OciImage;
  let plainImage: OciImage;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('docker-archive');
    [archive, gzipImage, plainImage] = await Promise.all([
      buildDockerArchive({ dir: join(dir, 'legacy') }),
      buildSingleImage({ dir: join(dir, 'gzip'), gzip: true }),
      buildSingleImage({ dir: join(dir, 'plain'), gzip: false }),
    ]);
  });
  afterAll(() => removeDir(dir));

  test('a legacy archive: the manifest stored is byte for byte the one the Go s3lo stores for it', async () => {
    const work = await testDir('docker-go-bytes');
    const go = await layOutGoBucket({ dockerArchive: archive.file, bucket: join(work, 'go'), image: 'app', tag: 'v1', work: join(work, 'extracted') });
    const bucket = join(work, 'ours');
    const pushed = await push(archive.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    expect((await readTag(bucket, 'app', 'v1')).toString('utf8')).toBe(go.manifest.toString('utf8'));
    expect(pushed.digest).toBe(go.digest);
  });

  test.each([
    { kind: 'containerd image store (gzip layers)', pick: () => gzipImage },
    { kind: 'classic image store (plain layers)', pick: () => plainImage },
  ])('a Docker 25+ archive, $kind: the embedded OCI manifest is kept as it is', async ({ pick }) => {
    const image = pick();
    const work = await testDir('docker25');
    const saved = await buildDocker25Archive(image, { dir: work });
    const manifest = await skopeoRaw(image.ref);
    const bucket = join(work, 'bucket');
    const pushed = await push(saved.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    expect(pushed).toMatchObject({ digest: sha256Digest(manifest), platforms: ['linux/amd64'] });
    expect((await readTag(bucket, 'app', 'v1')).toString('utf8')).toBe(manifest.toString('utf8'));
    const descriptors = await layoutReachable(image.layout, manifest);
    expect(await bucketBlobProblems(bucket, descriptors)).toEqual([]);
    // Without naming the image: the archive holds one.
    const unnamed = await push(`docker-archive:${saved.file}`, bucketRef(bucket, 'app', 'v2'), { registry });
    expect(unnamed).toMatchObject({ digest: pushed.digest, blobsCopied: 0 });
    const out = join(work, 'out');
    await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
    expect(await layoutBlobProblems(out, descriptors)).toEqual([]);
    expect(await skopeoInspect(`oci:${out}:v1`)).toMatchObject({ Digest: pushed.digest });
  });

  test('a legacy archive with a gzipped layer: labelled tar+gzip, digest of the gzip file, never recompressed', async () => {
    const work = await testDir('docker-gzip-layer');
    const gz = await gzipFirstLayer(archive, { dir: work });
    const bucket = join(work, 'bucket');
    const pushed = await push(gz.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    const stored = await readTag(bucket, 'app', 'v1');
    const manifest = parseDoc(stored);
    expect(manifest.layers?.[0]).toEqual({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: gz.gzipDigest, size: gz.gzipSize });
    expect(manifest.layers?.[1]?.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    const descriptors = [manifest.config!, ...(manifest.layers ?? [])];
    expect(await bucketBlobProblems(bucket, descriptors)).toEqual([]);
    const out = join(work, 'out');
    await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
    expect(await skopeoInspect(`oci:${out}:v1`)).toMatchObject({ Digest: pushed.digest, Architecture: 'amd64' });
    expect(await layoutBlobProblems(out, descriptors)).toEqual([]);
  });
});
