import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, S3loError, oci, ref } from '@s3lo/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openArchiveSource, type OciArchiveLocation } from '../src/index.js';
import { imageBlobs, readVerified, tempDir } from './helpers/images.js';
import { buildTar, imageConfig, layerTar, ociLayoutEntries, sha256 } from './helpers/raw-tar.js';
import { blobPath, makeImage, run, type BuiltImage } from './helpers/tools.js';

const location = (text: string) => ref.parseTransportReference(text) as OciArchiveLocation;

describe('oci-archive source, on archives skopeo writes', () => {
  let dir: string;
  let image: BuiltImage;
  let archive: string;

  beforeAll(async () => {
    dir = await tempDir();
    image = await makeImage(dir);
    archive = join(dir, 'B.tar');
    await run('skopeo', ['copy', '--quiet', `oci:${image.layout}:v1`, `oci-archive:${archive}:v1`]);
  });

  it('returns the exact manifest bytes of the layout, and every blob byte for byte', async () => {
    const source = await openArchiveSource(location(`oci-archive:${archive}:v1`));
    try {
      expect(source.description).toBe(`oci-archive:${archive}:v1`);
      expect(image.layerDigests).toHaveLength(2);
      const manifest = await source.readManifest();
      expect(manifest.bytes.equals(image.manifestBytes)).toBe(true);
      expect(manifest.digest).toBe(image.manifestDigest);
      expect(manifest.mediaType).toBe(oci.MediaType.OCI_MANIFEST);
      const { blobs } = await imageBlobs(source);
      expect(blobs.map((b) => b.digest)).toEqual([image.configDigest, ...image.layerDigests]);
      for (const blob of blobs) {
        const bytes = await readVerified(source, blob);
        expect(bytes.equals(await readFile(blobPath(image.layout, blob.digest)))).toBe(true);
      }
    } finally {
      await source.close();
    }
  });

  it('takes the only image when no tag is given', async () => {
    const source = await openArchiveSource(location(`oci-archive:${archive}`));
    expect((await source.readManifest()).digest).toBe(image.manifestDigest);
    await source.close();
  });

  it('lists the tags it has when the tag is not there', async () => {
    const error = await openArchiveSource(location(`oci-archive:${archive}:nope`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.NOT_FOUND)).toBe(true);
    expect((error as Error).message).toContain('"v1"');
  });

  it('opens blobs as streams of the archive, several at once', async () => {
    const source = await openArchiveSource(location(`oci-archive:${archive}:v1`));
    const { blobs } = await imageBlobs(source);
    const all = await Promise.all(blobs.map((b) => readVerified(source, b)));
    expect(all.map((b) => sha256(b))).toEqual(blobs.map((b) => b.digest));
    await source.close();
  });
});

describe('oci-archive source, tag selection', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  async function twoImages(tags: [string | undefined, string | undefined]): Promise<string> {
    const layer = layerTar();
    const a = ociLayoutEntries(imageConfig([sha256(layer)]), [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }], tags[0]);
    const config2 = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    const b = ociLayoutEntries(config2, [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }], tags[1]);
    const indexA = JSON.parse(String(a.entries[1]?.data)) as { manifests: unknown[] };
    const indexB = JSON.parse(String(b.entries[1]?.data)) as { manifests: unknown[] };
    const index = { ...indexA, manifests: [...indexA.manifests, ...indexB.manifests] };
    const names = new Set<string>();
    const entries = [a.entries[0]!, { name: 'index.json', data: JSON.stringify(index) }, ...a.entries.slice(2), ...b.entries.slice(2)].filter((e) => {
      if (names.has(e.name)) return false;
      names.add(e.name);
      return true;
    });
    const path = join(dir, `two-${tags.join('-')}.tar`);
    await writeFile(path, buildTar(entries));
    return path;
  }

  it('picks an image by ref name among several', async () => {
    const path = await twoImages(['one', 'two']);
    const source = await openArchiveSource(location(`oci-archive:${path}:two`));
    const manifest = oci.parseImageManifest((await source.readManifest()).bytes);
    const config = JSON.parse((await readVerified(source, manifest.config)).toString()) as { architecture: string };
    expect(config.architecture).toBe('arm64');
    await source.close();
  });

  it('refuses to guess among several images without a tag, naming them', async () => {
    const path = await twoImages(['one', 'two']);
    const error = await openArchiveSource(location(`oci-archive:${path}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((error as Error).message).toMatch(/"one", "two"/);
  });

  it('refuses one tag naming two different images', async () => {
    const path = await twoImages(['same', 'same']);
    const error = await openArchiveSource(location(`oci-archive:${path}:same`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_MANIFEST)).toBe(true);
  });

  it('serves an index and its children', async () => {
    const layer = layerTar();
    const child = ociLayoutEntries(imageConfig([sha256(layer)]), [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }]);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: oci.MediaType.OCI_INDEX,
        manifests: [{ mediaType: oci.MediaType.OCI_MANIFEST, digest: child.manifestDigest, size: child.manifest.length, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    const top = {
      schemaVersion: 2,
      manifests: [{ mediaType: oci.MediaType.OCI_INDEX, digest: sha256(index), size: index.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }],
    };
    const path = join(dir, 'index.tar');
    await writeFile(
      path,
      buildTar([child.entries[0]!, { name: 'index.json', data: JSON.stringify(top) }, { name: `blobs/sha256/${sha256(index).slice(7)}`, data: index }, ...child.entries.slice(2)]),
    );
    const source = await openArchiveSource(location(`oci-archive:${path}:multi`));
    const manifest = await source.readManifest();
    expect(manifest.mediaType).toBe(oci.MediaType.OCI_INDEX);
    expect(manifest.bytes.equals(index)).toBe(true);
    const { children, blobs } = await imageBlobs(source);
    expect(children[0]?.bytes.equals(child.manifest)).toBe(true);
    expect(blobs).toHaveLength(2);
    await source.close();
  });

  it('sends a docker save archive to docker-archive:', async () => {
    const path = join(dir, 'docker.tar');
    await writeFile(path, buildTar([{ name: 'manifest.json', data: '[]' }]));
    const error = await openArchiveSource(location(`oci-archive:${path}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_MANIFEST)).toBe(true);
    expect((error as S3loError).hint).toContain('docker-archive:');
  });
});
