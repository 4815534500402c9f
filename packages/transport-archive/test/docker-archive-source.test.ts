import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { ErrorCode, S3loError, oci, ref } from '@s3lo/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openArchiveSource, type DockerArchiveLocation } from '../src/index.js';
import { imageBlobs, readVerified, tempDir } from './helpers/images.js';
import { buildTar, imageConfig, layerTar, ociLayoutEntries, sha256, type RawEntry } from './helpers/raw-tar.js';
import { makeImage, run, type BuiltImage } from './helpers/tools.js';

const location = (text: string) => ref.parseTransportReference(text) as DockerArchiveLocation;

describe('docker-archive source, on archives skopeo writes', () => {
  let dir: string;
  let image: BuiltImage;
  let archive: string;
  let diffIds: string[];

  beforeAll(async () => {
    dir = await tempDir();
    image = await makeImage(dir);
    archive = join(dir, 'A.tar');
    await run('skopeo', ['copy', '--quiet', `oci:${image.layout}:v1`, `docker-archive:${archive}:app:v1`]);
    diffIds = (JSON.parse(image.configBytes.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
  });

  it('makes an OCI manifest: config as is, uncompressed layers by diff_id, which they hash to', async () => {
    const source = await openArchiveSource(location(`docker-archive:${archive}:app:v1`));
    try {
      const manifest = await source.readManifest();
      expect(manifest.mediaType).toBe(oci.MediaType.OCI_MANIFEST);
      expect(manifest.digest).toBe(sha256(manifest.bytes));
      const parsed = oci.parseImageManifest(manifest.bytes);
      expect(parsed.config).toEqual({ mediaType: oci.MediaType.OCI_CONFIG, digest: image.configDigest, size: image.configBytes.length });
      expect(parsed.layers.map((l) => l.mediaType)).toEqual(diffIds.map(() => oci.MediaType.OCI_LAYER));
      expect(parsed.layers.map((l) => l.digest)).toEqual(diffIds);
      expect((await readVerified(source, parsed.config)).equals(image.configBytes)).toBe(true);
      for (const layer of parsed.layers) expect(sha256(await readVerified(source, layer))).toBe(layer.digest);
      // The serialisation the Go s3lo produces for the same archive (encoding/json of the OCI structs).
      const go = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${image.configDigest}","size":${image.configBytes.length}},"layers":[${parsed.layers
        .map((l) => `{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"${l.digest}","size":${l.size}}`)
        .join(',')}]}`;
      expect(manifest.bytes.toString()).toBe(go);
    } finally {
      await source.close();
    }
  });

  it('makes the same manifest bytes every time', async () => {
    const digests = [];
    for (const text of [`docker-archive:${archive}`, `docker-archive:${archive}:app:v1`, `docker-archive:${archive}:docker.io/library/app:v1`]) {
      const source = await openArchiveSource(location(text));
      digests.push((await source.readManifest()).digest);
      await source.close();
    }
    expect(new Set(digests).size).toBe(1);
  });

  it('lists the RepoTags when the name is not there', async () => {
    const error = await openArchiveSource(location(`docker-archive:${archive}:app`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.NOT_FOUND)).toBe(true);
    expect((error as Error).message).toContain('docker.io/library/app:v1');
  });
});

describe('docker-archive source, archives made by hand', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  async function write(name: string, entries: RawEntry[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, buildTar(entries));
    return path;
  }

  const saveManifest = (config: string, layers: string[], repoTags: string[] | null = ['app:v1']) => ({
    name: 'manifest.json',
    data: JSON.stringify([{ Config: config, RepoTags: repoTags, Layers: layers }]),
  });

  it('labels a gzip layer tar+gzip and a zstd layer tar+zstd, with the digest of the file as stored', async () => {
    const plain = [layerTar('one'), layerTar('two'), layerTar('three')];
    const stored = [gzipSync(plain[0]!), zstdCompressSync(plain[1]!), plain[2]!];
    const config = imageConfig(plain.map((p) => sha256(p)));
    const path = await write('compressed.tar', [
      { name: 'layer0/layer.tar', data: stored[0] },
      { name: 'layer1/layer.tar', data: stored[1] },
      { name: 'layer2/layer.tar', data: stored[2] },
      { name: 'config.json', data: config },
      saveManifest('config.json', ['layer0/layer.tar', 'layer1/layer.tar', 'layer2/layer.tar']),
    ]);
    const source = await openArchiveSource(location(`docker-archive:${path}`));
    const manifest = oci.parseImageManifest((await source.readManifest()).bytes);
    expect(manifest.layers).toEqual([
      { mediaType: oci.MediaType.OCI_LAYER_GZIP, digest: sha256(stored[0]!), size: stored[0]!.length },
      { mediaType: oci.MediaType.OCI_LAYER_ZSTD, digest: sha256(stored[1]!), size: stored[1]!.length },
      { mediaType: oci.MediaType.OCI_LAYER, digest: sha256(stored[2]!), size: stored[2]!.length },
    ]);
    for (const [i, layer] of manifest.layers.entries()) expect((await readVerified(source, layer)).equals(stored[i]!)).toBe(true);
    await source.close();
  });

  it('follows a layer symlinked inside the archive, as docker save writes repeated layers', async () => {
    const layer = layerTar();
    const config = imageConfig([sha256(layer), sha256(layer)]);
    const path = await write('linked.tar', [
      { name: 'aaa/layer.tar', data: layer },
      { name: 'bbb/layer.tar', type: 'SymbolicLink', linkpath: '../aaa/layer.tar' },
      { name: 'c.json', data: config },
      saveManifest('c.json', ['aaa/layer.tar', 'bbb/layer.tar']),
    ]);
    const source = await openArchiveSource(location(`docker-archive:${path}:app:v1`));
    const { blobs } = await imageBlobs(source);
    expect(blobs.map((b) => b.digest)).toEqual([sha256(config), sha256(layer)]);
    expect((await readVerified(source, blobs[1]!)).equals(layer)).toBe(true);
    await source.close();
  });

  it('uses the manifest of a Docker 25+ archive (OCI layout inside) verbatim', async () => {
    const layer = layerTar();
    const config = imageConfig([sha256(layer)]);
    // The annotation tells Docker's manifest from one this package would make.
    const layout = ociLayoutEntries(config, [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }], 'latest', { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' });
    const path = await write('docker25.tar', [...layout.entries, saveManifest(`blobs/sha256/${sha256(config).slice(7)}`, [`blobs/sha256/${sha256(layer).slice(7)}`])]);
    const source = await openArchiveSource(location(`docker-archive:${path}`));
    const manifest = await source.readManifest();
    expect(manifest.bytes.equals(layout.manifest)).toBe(true);
    expect(manifest.digest).toBe(layout.manifestDigest);
    const { blobs } = await imageBlobs(source);
    for (const blob of blobs) expect(sha256(await readVerified(source, blob))).toBe(blob.digest);
    await source.close();
  });

  it('finds the manifest through a nested index, gzip layers and all (containerd image store)', async () => {
    const plain = layerTar();
    const gz = gzipSync(plain);
    const config = imageConfig([sha256(plain)]);
    const child = ociLayoutEntries(config, [{ bytes: gz, mediaType: oci.MediaType.OCI_LAYER_GZIP }], undefined, { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: oci.MediaType.OCI_INDEX,
        manifests: [
          { mediaType: oci.MediaType.OCI_MANIFEST, digest: `sha256:${'e'.repeat(64)}`, size: 500, platform: { os: 'linux', architecture: 'arm64' } },
          { mediaType: oci.MediaType.OCI_MANIFEST, digest: child.manifestDigest, size: child.manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    );
    const top = { schemaVersion: 2, mediaType: oci.MediaType.OCI_INDEX, manifests: [{ mediaType: oci.MediaType.OCI_INDEX, digest: sha256(index), size: index.length }] };
    const path = await write('containerd.tar', [
      child.entries[0]!,
      { name: 'index.json', data: JSON.stringify(top) },
      { name: `blobs/sha256/${sha256(index).slice(7)}`, data: index },
      ...child.entries.slice(2),
      saveManifest(`blobs/sha256/${sha256(config).slice(7)}`, [`blobs/sha256/${sha256(gz).slice(7)}`]),
    ]);
    const source = await openArchiveSource(location(`docker-archive:${path}:app:v1`));
    expect((await source.readManifest()).digest).toBe(child.manifestDigest);
    await source.close();
  });

  it('makes the manifest itself when the index.json of the archive is unusable', async () => {
    const layer = layerTar();
    const config = imageConfig([sha256(layer)]);
    const layout = ociLayoutEntries(config, [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }], 'v1', { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' });
    const path = await write('null-index.tar', [
      layout.entries[0]!,
      // What Docker 25.0 wrote for images saved by digest.
      { name: 'index.json', data: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":null}' },
      ...layout.entries.slice(2),
      saveManifest(`blobs/sha256/${sha256(config).slice(7)}`, [`blobs/sha256/${sha256(layer).slice(7)}`]),
    ]);
    const source = await openArchiveSource(location(`docker-archive:${path}`));
    const manifest = await source.readManifest();
    expect(manifest.digest).not.toBe(layout.manifestDigest);
    expect(oci.parseImageManifest(manifest.bytes).layers[0]?.digest).toBe(sha256(layer));
    await source.close();
  });

  it('needs a name when the archive holds several images, and lists them', async () => {
    const layer = layerTar();
    const config = imageConfig([sha256(layer)]);
    const path = await write('several.tar', [
      { name: 'l.tar', data: layer },
      { name: 'c.json', data: config },
      {
        name: 'manifest.json',
        data: JSON.stringify([
          { Config: 'c.json', RepoTags: ['app:v1'], Layers: ['l.tar'] },
          { Config: 'c.json', RepoTags: ['ghcr.io/o/other:2'], Layers: ['l.tar'] },
        ]),
      },
    ]);
    const error = await openArchiveSource(location(`docker-archive:${path}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((error as Error).message).toContain('"app:v1", "ghcr.io/o/other:2"');
    const source = await openArchiveSource(location(`docker-archive:${path}:ghcr.io/o/other:2`));
    expect(source.description).toBe(`docker-archive:${path}:ghcr.io/o/other:2`);
    await source.close();
  });

  it('sends an OCI layout archive to oci-archive:', async () => {
    const layer = layerTar();
    const path = await write('oci.tar', ociLayoutEntries(imageConfig([sha256(layer)]), [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }]).entries);
    const error = await openArchiveSource(location(`docker-archive:${path}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_MANIFEST)).toBe(true);
    expect((error as S3loError).hint).toContain('oci-archive:');
  });

  it('refuses a config whose diff_ids do not match the layer count', async () => {
    const layer = layerTar();
    const path = await write('count.tar', [{ name: 'l.tar', data: layer }, { name: 'c.json', data: imageConfig([]) }, saveManifest('c.json', ['l.tar'])]);
    const error = await openArchiveSource(location(`docker-archive:${path}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_MANIFEST)).toBe(true);
  });
});
