import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildDocker25Archive, buildDockerArchive, gzipFirstLayer } from './fixtures/docker-archive.js';
import { layoutBlobProblems, layoutReachable, parseDoc, sha256Digest, skopeo, skopeoInspect, skopeoRaw } from './fixtures/layout.js';
import { buildMultiPlatformIndex } from './fixtures/multi-platform.js';
import { buildSingleImage, deriveImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir } from './fixtures/temp.js';
import { assertToolsInstalled } from './fixtures/tools.js';

// The fixtures are what every other test trusts: check that the independent
// tools made what the tests assume, before blaming s3lo for anything.
describe('fixtures', () => {
  let dir: string;
  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('fixtures');
  });
  afterAll(() => removeDir(dir));

  test.each([
    { gzip: true, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', magic: '1f8b' },
    { gzip: false, mediaType: 'application/vnd.oci.image.layer.v1.tar', magic: undefined },
  ])('buildSingleImage gzip=$gzip: two layers of $mediaType, amd64 config', async ({ gzip, mediaType, magic }) => {
    const image = await buildSingleImage({ dir, gzip, name: `single-${gzip}` });
    const bytes = await skopeoRaw(image.ref);
    const doc = parseDoc(bytes);
    expect(doc.layers?.length).toBe(2);
    for (const layer of doc.layers ?? []) {
      expect(layer.mediaType).toBe(mediaType);
      const head = (await readFile(`${image.layout}/blobs/sha256/${layer.digest.slice(7)}`)).subarray(0, 2).toString('hex');
      if (magic !== undefined) expect(head).toBe(magic);
      else expect(head).not.toBe('1f8b');
    }
    const inspected = await skopeoInspect(image.ref);
    expect(inspected).toMatchObject({ Architecture: 'amd64', Os: 'linux', Digest: sha256Digest(bytes) });
    expect(await layoutBlobProblems(image.layout, await layoutReachable(image.layout, bytes))).toEqual([]);
  });

  test('deriveImage shares every layer of its base and adds one', async () => {
    const base = await buildSingleImage({ dir, gzip: true, name: 'derive' });
    const derived = await deriveImage(base, 'v2');
    const a = parseDoc(await skopeoRaw(base.ref));
    const b = parseDoc(await skopeoRaw(derived.ref));
    expect(b.layers?.slice(0, 2)).toEqual(a.layers);
    expect(b.layers?.length).toBe(3);
    expect(b.config?.digest).not.toBe(a.config?.digest);
  });

  test('buildMultiPlatformIndex: an OCI index of linux/amd64, linux/arm64 and an attestation', async () => {
    const multi = await buildMultiPlatformIndex({ dir });
    const bytes = await skopeoRaw(multi.ref);
    expect(bytes.equals(multi.indexBytes)).toBe(true);
    expect(sha256Digest(bytes)).toBe(multi.indexDigest);
    const index = parseDoc(bytes);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests?.map((m) => `${m.platform?.os}/${m.platform?.architecture}`)).toEqual(['linux/amd64', 'linux/arm64', 'unknown/unknown']);
    expect(index.manifests?.[2]?.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
    expect(await layoutBlobProblems(multi.layout, await layoutReachable(multi.layout, bytes))).toEqual([]);
    const amd = parseDoc(await readFile(`${multi.layout}/blobs/sha256/${multi.children['linux/amd64'].slice(7)}`));
    const arm = parseDoc(await readFile(`${multi.layout}/blobs/sha256/${multi.children['linux/arm64'].slice(7)}`));
    // A common base layer, a layer of its own each.
    expect(amd.layers?.[0]).toEqual(arm.layers?.[0]);
    expect(amd.layers?.[1]?.digest).not.toBe(arm.layers?.[1]?.digest);
    expect((await skopeoInspect(`${multi.ref}`)).Architecture).toBeDefined();
  });

  test('buildDockerArchive: skopeo reads it back with uncompressed layers', async () => {
    const archive = await buildDockerArchive({ dir });
    const inspected = await skopeoInspect(archive.ref);
    expect(inspected.Layers.length).toBe(2);
    expect(inspected.Architecture).toBe('amd64');
  });

  test('the hand-made docker archives (Docker 25+ layout, gzipped legacy layer) are read by skopeo', async () => {
    const image = await buildSingleImage({ dir, gzip: true, name: 'docker25-source' });
    const docker25 = await buildDocker25Archive(image, { dir });
    expect(await skopeoInspect(docker25.ref)).toMatchObject({ Architecture: 'amd64', Os: 'linux' });
    const legacy = await buildDockerArchive({ dir: `${dir}/gz` });
    const gz = await gzipFirstLayer(legacy, { dir: `${dir}/gz` });
    // (skopeo names a docker-archive's layers by their diff_ids, gzipped or not.)
    expect((await skopeoInspect(gz.ref)).Layers.length).toBe(2);
    await skopeo(['copy', gz.ref, `oci:${dir}/gz/copied:v1`]);
  });
});
