import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketBlobProblems, bucketReachable, bucketRef, makeRegistry, readTag } from './fixtures/bucket.js';
import { buildDockerArchive, type DockerArchive } from './fixtures/docker-archive.js';
import { blobPath, layoutBlobProblems, layoutReachable, parseDoc, sha256Digest, skopeo, skopeoInspect, skopeoRaw } from './fixtures/layout.js';
import { buildMultiPlatformIndex, type MultiPlatformImage } from './fixtures/multi-platform.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();

describe('skopeo and s3lo read each other', () => {
  let dir: string;
  let gzipImage: OciImage;
  let plainImage: OciImage;
  let multi: MultiPlatformImage;
  let archive: DockerArchive;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('skopeo');
    [gzipImage, plainImage, multi, archive] = await Promise.all([
      buildSingleImage({ dir: join(dir, 'gzip'), gzip: true }),
      buildSingleImage({ dir: join(dir, 'plain'), gzip: false }),
      buildMultiPlatformIndex({ dir: join(dir, 'multi') }),
      buildDockerArchive({ dir: join(dir, 'archive') }),
    ]);
  });
  afterAll(() => removeDir(dir));

  describe('skopeo accepts everything s3lo writes', () => {
    test.each([
      { kind: 'gzip layers', pick: () => gzipImage },
      { kind: 'uncompressed layers', pick: () => plainImage },
    ])('oci, oci-archive and docker-archive pulled from a bucket ($kind)', async ({ pick }) => {
      const image = pick();
      const work = await testDir('skopeo-reads');
      const bucket = join(work, 'bucket');
      const manifest = await skopeoRaw(image.ref);
      const digest = sha256Digest(manifest);
      await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });

      const layout = join(work, 'layout');
      const ociArchive = join(work, 'image.oci.tar');
      const dockerArchive = join(work, 'image.docker.tar');
      await pull(bucketRef(bucket, 'app', 'v1'), `oci:${layout}:v1`, { registry });
      await pull(bucketRef(bucket, 'app', 'v1'), `oci-archive:${ociArchive}:v1`, { registry });
      await pull(bucketRef(bucket, 'app', 'v1'), `docker-archive:${dockerArchive}:app:v1`, { registry });

      for (const ref of [`oci:${layout}:v1`, `oci-archive:${ociArchive}:v1`]) {
        expect((await skopeoRaw(ref)).toString('utf8'), ref).toBe(manifest.toString('utf8'));
        expect(await skopeoInspect(ref), ref).toMatchObject({ Digest: digest, Architecture: 'amd64', Os: 'linux' });
        // skopeo copy reads and verifies every blob.
        const copied = join(work, `copied-${ref.split(':')[0]}`);
        // (skopeo gzips plain layers for an oci: destination unless told not to.)
        await skopeo(['copy', '--dest-oci-accept-uncompressed-layers', ref, `oci:${copied}:v1`]);
        expect((await skopeoRaw(`oci:${copied}:v1`)).toString('utf8'), ref).toBe(manifest.toString('utf8'));
        expect(await layoutBlobProblems(copied, await layoutReachable(image.layout, manifest)), ref).toEqual([]);
      }

      // A docker archive has a manifest of its own: the config bytes and the
      // layers' content (diff_ids: sha256 of each uncompressed tar) must survive.
      const source = parseDoc(manifest);
      const sourceConfig = await readFile(blobPath(image.layout, source.config?.digest ?? ''));
      const diffIds = (JSON.parse(sourceConfig.toString('utf8')) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
      const dockerRef = `docker-archive:${dockerArchive}:app:v1`;
      expect(parseDoc(await skopeoRaw(dockerRef)).config?.digest).toBe(source.config?.digest);
      expect(await skopeoInspect(dockerRef)).toMatchObject({ Architecture: 'amd64', Os: 'linux', Layers: diffIds });
      const fromDocker = join(work, 'from-docker');
      await skopeo(['copy', '--dest-oci-accept-uncompressed-layers', dockerRef, `oci:${fromDocker}:v1`]);
      const converted = parseDoc(await skopeoRaw(`oci:${fromDocker}:v1`));
      const convertedConfig = JSON.parse(await readFile(blobPath(fromDocker, converted.config?.digest ?? ''), 'utf8')) as { rootfs: { diff_ids: string[] } };
      expect(convertedConfig.rootfs.diff_ids).toEqual(diffIds);
      expect(await layoutBlobProblems(fromDocker, await layoutReachable(fromDocker, await skopeoRaw(`oci:${fromDocker}:v1`)))).toEqual([]);
    });

    test('a multi-platform index pulled into oci and oci-archive', async () => {
      const work = await testDir('skopeo-reads-multi');
      const bucket = join(work, 'bucket');
      await push(multi.ref, bucketRef(bucket, 'app', 'multi'), { registry });
      const layout = join(work, 'layout');
      const archiveFile = join(work, 'multi.tar');
      await pull(bucketRef(bucket, 'app', 'multi'), `oci:${layout}:multi`, { registry });
      await pull(bucketRef(bucket, 'app', 'multi'), `oci-archive:${archiveFile}:multi`, { registry });
      for (const ref of [`oci:${layout}:multi`, `oci-archive:${archiveFile}:multi`]) {
        expect((await skopeoRaw(ref)).toString('utf8'), ref).toBe(multi.indexBytes.toString('utf8'));
        const copied = join(work, `copied-${ref.split(':')[0]}`);
        await skopeo(['copy', '--all', ref, `oci:${copied}:multi`]);
        expect((await skopeoRaw(`oci:${copied}:multi`)).toString('utf8'), ref).toBe(multi.indexBytes.toString('utf8'));
        for (const platform of ['amd64', 'arm64']) {
          const inspected = await skopeo(['--override-arch', platform, 'inspect', ref]);
          expect(JSON.parse(inspected.toString('utf8')), `${ref} ${platform}`).toMatchObject({ Architecture: platform });
        }
      }
    });
  });

  describe('s3lo reads everything skopeo writes', () => {
    test.each([
      { kind: 'oci layout', plain: false, write: (work: string) => `oci:${join(work, 'skopeo-layout')}:v1` },
      { kind: 'oci layout, plain layers', plain: true, write: (work: string) => `oci:${join(work, 'skopeo-layout')}:v1` },
      { kind: 'oci-archive', plain: false, write: (work: string) => `oci-archive:${join(work, 'skopeo.oci.tar')}:v1` },
    ])('$kind written by skopeo copy -> bucket -> oci, bytes kept', async ({ plain, write }) => {
      const work = await testDir('s3lo-reads');
      const bucket = join(work, 'bucket');
      const written = write(work);
      if (plain) await skopeo(['copy', '--dest-oci-accept-uncompressed-layers', plainImage.ref, written]);
      else await skopeo(['copy', gzipImage.ref, written]);
      const manifest = await skopeoRaw(written);
      const pushed = await push(written, bucketRef(bucket, 'app', 'v1'), { registry });
      expect(pushed.digest).toBe(sha256Digest(manifest));
      expect((await readTag(bucket, 'app', 'v1')).toString('utf8')).toBe(manifest.toString('utf8'));
      const descriptors = await bucketReachable(bucket, manifest);
      expect(await bucketBlobProblems(bucket, descriptors)).toEqual([]);
      const out = join(work, 'out');
      await pull(bucketRef(bucket, 'app', 'v1'), `oci:${out}:v1`, { registry });
      expect((await skopeoRaw(`oci:${out}:v1`)).toString('utf8')).toBe(manifest.toString('utf8'));
      expect(await layoutBlobProblems(out, descriptors)).toEqual([]);
    });

    test('a multi-platform index written by skopeo copy --all into an oci-archive', async () => {
      const work = await testDir('s3lo-reads-multi');
      const bucket = join(work, 'bucket');
      const written = `oci-archive:${join(work, 'multi.tar')}:multi`;
      await skopeo(['copy', '--all', multi.ref, written]);
      const index = await skopeoRaw(written);
      const pushed = await push(written, bucketRef(bucket, 'app', 'multi'), { registry });
      expect(pushed).toMatchObject({ digest: sha256Digest(index), platforms: ['linux/amd64', 'linux/arm64'] });
      expect((await readTag(bucket, 'app', 'multi')).toString('utf8')).toBe(index.toString('utf8'));
      expect(await bucketBlobProblems(bucket, await bucketReachable(bucket, index))).toEqual([]);
    });

    test('a docker-archive written by skopeo, pulled back out as a docker-archive skopeo reads', async () => {
      const work = await testDir('s3lo-reads-docker');
      const bucket = join(work, 'bucket');
      const pushed = await push(archive.ref, bucketRef(bucket, 'app', 'v1'), { registry });
      expect(pushed.platforms).toEqual(['linux/amd64']);
      const out = join(work, 'out.tar');
      await pull(bucketRef(bucket, 'app', 'v1'), `docker-archive:${out}:app:v1`, { registry });
      const original = await skopeoInspect(archive.ref);
      const again = await skopeoInspect(`docker-archive:${out}:app:v1`);
      expect(again.Layers).toEqual(original.Layers);
      expect(parseDoc(await skopeoRaw(`docker-archive:${out}:app:v1`)).config?.digest).toBe(parseDoc(await skopeoRaw(archive.ref)).config?.digest);
      await skopeo(['copy', `docker-archive:${out}:app:v1`, `oci:${join(work, 'copied')}:v1`]);
    });
  });
});
