import { lstat, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { ErrorCode, S3loError, createDigestVerifier, oci, ref, sha256Digest } from '@s3lo/core';
import type { Descriptor } from '@s3lo/core/oci';
import { beforeAll, describe, expect, it } from 'vitest';
import { openArchiveSink, openArchiveSource, type ArchiveLocation } from '../src/index.js';
import { copyByHand, imageBlobs, listTree, readVerified, tempDir } from './helpers/images.js';
import { buildTar, imageConfig, layerTar, ociLayoutEntries, sha256 } from './helpers/raw-tar.js';
import { describeLayout, makeImage, run, type BuiltImage } from './helpers/tools.js';

const at = (text: string) => ref.parseTransportReference(text) as ArchiveLocation;

describe('archive sinks, checked with skopeo', () => {
  let dir: string;
  let image: BuiltImage;
  let ociArchive: string;

  beforeAll(async () => {
    dir = await tempDir();
    image = await makeImage(dir);
    ociArchive = join(dir, 'B.tar');
    await run('skopeo', ['copy', '--quiet', `oci:${image.layout}:v1`, `oci-archive:${ociArchive}:v1`]);
  });

  it('oci-archive round trip keeps the manifest bytes and every blob byte for byte; skopeo reads it', async () => {
    const out = join(dir, 'OUT2.tar');
    await copyByHand(await openArchiveSource(at(`oci-archive:${ociArchive}:v1`)), await openArchiveSink(at(`oci-archive:${out}:v1`)));
    expect(await listTree(dir)).not.toContainEqual(expect.stringMatching(/s3lo-tmp/));

    const inspected = JSON.parse(await run('skopeo', ['inspect', '--raw', `oci-archive:${out}:v1`])) as unknown;
    expect(inspected).toEqual(JSON.parse(image.manifestBytes.toString()));
    await run('skopeo', ['inspect', `oci-archive:${out}:v1`]);

    const source = await openArchiveSource(at(`oci-archive:${out}:v1`));
    const manifest = await source.readManifest();
    expect(manifest.bytes.equals(image.manifestBytes)).toBe(true);
    const { blobs } = await imageBlobs(source);
    for (const blob of blobs) {
      const bytes = await readVerified(source, blob);
      expect(bytes.equals(await readFile(join(image.layout, 'blobs/sha256', blob.digest.slice(7))))).toBe(true);
    }
    await source.close();

    // Written twice, the same image makes the same archive bytes.
    const again = join(dir, 'OUT2-again.tar');
    await copyByHand(await openArchiveSource(at(`oci-archive:${ociArchive}:v1`)), await openArchiveSink(at(`oci-archive:${again}:v1`)));
    expect((await readFile(again)).equals(await readFile(out))).toBe(true);
  });

  it('docker-archive sink writes what skopeo reads, layers uncompressed to their diff_ids', async () => {
    const out = join(dir, 'OUT.tar');
    await copyByHand(await openArchiveSource(at(`oci-archive:${ociArchive}:v1`)), await openArchiveSink(at(`docker-archive:${out}:app:v1`)));

    const inspect = JSON.parse(await run('skopeo', ['inspect', `docker-archive:${out}`])) as { Architecture: string; Layers: string[]; RepoTags?: string[] };
    expect(inspect.Architecture).toBe('amd64');
    const diffIds = (JSON.parse(image.configBytes.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
    expect(inspect.Layers).toEqual(diffIds);
    await run('skopeo', ['copy', '--quiet', `docker-archive:${out}:app:v1`, `oci:${join(dir, 'X')}:back`]);
    const back = await describeLayout(join(dir, 'X'), 'back');
    // skopeo re-serialises a docker config into OCI (it does so from its own archives too): same JSON.
    expect(JSON.parse(back.configBytes.toString())).toEqual(JSON.parse(image.configBytes.toString()));

    const saveManifest = JSON.parse(await run('tar', ['-xOf', out, 'manifest.json'])) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(saveManifest).toEqual([{ Config: `${image.configDigest.slice(7)}.json`, RepoTags: ['app:v1'], Layers: diffIds.map((d) => `${d.slice(7)}.tar`) }]);

    // And our own docker-archive source reads it back to the same config and layers.
    const source = await openArchiveSource(at(`docker-archive:${out}:app:v1`));
    const manifest = oci.parseImageManifest((await source.readManifest()).bytes);
    expect(manifest.config.digest).toBe(image.configDigest);
    expect(manifest.layers.map((l) => l.digest)).toEqual(diffIds);
    for (const layer of manifest.layers) await readVerified(source, layer);
    await source.close();
  });

  it('docker-archive sink without a name writes an untagged image', async () => {
    const out = join(dir, 'untagged.tar');
    await copyByHand(await openArchiveSource(at(`oci-archive:${ociArchive}:v1`)), await openArchiveSink(at(`docker-archive:${out}`)));
    const saveManifest = JSON.parse(await run('tar', ['-xOf', out, 'manifest.json'])) as { RepoTags: string[] }[];
    expect(saveManifest[0]?.RepoTags).toEqual([]);
    await run('skopeo', ['inspect', `docker-archive:${out}`]);
  });

  it('docker-archive round trip through our source and sink keeps the image', async () => {
    const first = join(dir, 'd1.tar');
    const second = join(dir, 'd2.tar');
    await run('skopeo', ['copy', '--quiet', `oci:${image.layout}:v1`, `docker-archive:${first}:app:v1`]);
    await copyByHand(await openArchiveSource(at(`docker-archive:${first}:app:v1`)), await openArchiveSink(at(`docker-archive:${second}:docker.io/team/app`)));
    const saveManifest = JSON.parse(await run('tar', ['-xOf', second, 'manifest.json'])) as { RepoTags: string[] }[];
    expect(saveManifest[0]?.RepoTags).toEqual(['team/app:latest']);
    const a = await openArchiveSource(at(`docker-archive:${first}`));
    const b = await openArchiveSource(at(`docker-archive:${second}:team/app:latest`));
    expect((await b.readManifest()).bytes.equals((await a.readManifest()).bytes)).toBe(true);
    await a.close();
    await b.close();
  });
});

describe('archive sinks, failure and atomicity', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  /** A source over a hand-made oci-archive with the given layers. */
  async function sourceWith(name: string, layers: { bytes: Buffer; mediaType: string }[], diffIds: string[]) {
    const config = imageConfig(diffIds);
    const layout = ociLayoutEntries(config, layers);
    const path = join(dir, name);
    await writeFile(path, buildTar(layout.entries));
    return path;
  }

  it('docker-archive sink decompresses gzip and zstd layers and checks them against the diff_ids', async () => {
    const plain = [layerTar('a'), layerTar('b')];
    const path = await sourceWith(
      'compressed-src.tar',
      [
        { bytes: gzipSync(plain[0]!), mediaType: oci.MediaType.OCI_LAYER_GZIP },
        { bytes: zstdCompressSync(plain[1]!), mediaType: oci.MediaType.OCI_LAYER_ZSTD },
      ],
      plain.map((p) => sha256(p)),
    );
    const out = join(dir, 'decompressed.tar');
    await copyByHand(await openArchiveSource(at(`oci-archive:${path}`)), await openArchiveSink(at(`docker-archive:${out}:x:1`)));
    const extracted = join(dir, 'extracted');
    await run('mkdir', ['-p', extracted]);
    await run('tar', ['-xf', out, '-C', extracted]);
    for (const p of plain) expect((await readFile(join(extracted, `${sha256(p).slice(7)}.tar`))).equals(p)).toBe(true);
    const inspect = JSON.parse(await run('skopeo', ['inspect', `docker-archive:${out}`])) as { Layers: string[] };
    expect(inspect.Layers).toEqual(plain.map((p) => sha256(p)));
  });

  it('oci-archive sink writes a multi-platform index with its children, which skopeo copies whole', async () => {
    const images = ['amd64', 'arm64'].map((architecture) => {
      const layer = layerTar(architecture);
      const config = Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
      return { architecture, ...ociLayoutEntries(config, [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }]) };
    });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: oci.MediaType.OCI_INDEX,
        manifests: images.map((i) => ({ mediaType: oci.MediaType.OCI_MANIFEST, digest: i.manifestDigest, size: i.manifest.length, platform: { os: 'linux', architecture: i.architecture } })),
      }),
    );
    const top = {
      schemaVersion: 2,
      manifests: [{ mediaType: oci.MediaType.OCI_INDEX, digest: sha256(index), size: index.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }],
    };
    const path = join(dir, 'multi-src.tar');
    await writeFile(
      path,
      buildTar([{ name: 'index.json', data: JSON.stringify(top) }, { name: `blobs/sha256/${sha256(index).slice(7)}`, data: index }, ...images.flatMap((i) => i.entries.slice(2))]),
    );
    const out = join(dir, 'multi-out.tar');
    await copyByHand(await openArchiveSource(at(`oci-archive:${path}:multi`)), await openArchiveSink(at(`oci-archive:${out}:multi`)));
    expect(await run('skopeo', ['inspect', '--raw', `oci-archive:${out}:multi`])).toBe(index.toString());
    await run('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', `oci-archive:${out}:multi`, `oci:${join(dir, 'Z')}:multi`]);
    const copied = JSON.parse(await readFile(join(dir, 'Z', 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(copied.manifests[0]?.digest).toBe(sha256(index));
  });

  it('docker-archive sink refuses a layer that does not decompress to its diff_id, and writes nothing', async () => {
    const plain = layerTar('a');
    const path = await sourceWith('wrong-diff.tar', [{ bytes: gzipSync(plain), mediaType: oci.MediaType.OCI_LAYER_GZIP }], [sha256('something else')]);
    const out = join(dir, 'never.tar');
    const before = await listTree(dir);
    const error = await copyByHand(await openArchiveSource(at(`oci-archive:${path}`)), await openArchiveSink(at(`docker-archive:${out}`))).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.DIGEST_MISMATCH)).toBe(true);
    expect(await listTree(dir)).toEqual(before);
  });

  it('docker-archive sink refuses an index, telling to pass a platform', async () => {
    const sink = await openArchiveSink(at(`docker-archive:${join(dir, 'index.tar')}`));
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: oci.MediaType.OCI_INDEX, manifests: [] }));
    const error = await sink.commit({ bytes: index, digest: sha256Digest(index), mediaType: oci.MediaType.OCI_INDEX }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.UNSUPPORTED)).toBe(true);
    expect((error as S3loError).hint).toContain('platform');
    const child = await sink.writeChildManifest({ mediaType: oci.MediaType.OCI_MANIFEST, digest: sha256Digest(index), size: index.length }, index).catch((e: unknown) => e);
    expect(S3loError.isInstance(child, ErrorCode.UNSUPPORTED)).toBe(true);
    await sink.close({ committed: false });
  });

  it('a blob whose stream fails is not kept; an uncommitted sink leaves no file behind', async () => {
    const target = join(dir, 'aborted.tar');
    const sink = await openArchiveSink(at(`oci-archive:${target}:v1`), { tempDir: dir });
    const good = Buffer.from('good blob');
    const descriptor = { mediaType: 'application/octet-stream', digest: sha256Digest(good), size: good.length };
    await sink.writeBlob(descriptor, verified(good, descriptor));
    expect(await sink.hasBlob(descriptor)).toBe(true);

    const bad = { ...descriptor, digest: sha256Digest('other') };
    const error = await sink.writeBlob(bad, verified(good, bad)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.DIGEST_MISMATCH)).toBe(true);
    expect(await sink.hasBlob(bad)).toBe(false);
    expect((await listTree(dir)).filter((n) => n.includes('s3lo-tmp-spool')).length).toBeGreaterThan(0);

    await sink.close({ committed: false });
    expect((await listTree(dir)).filter((n) => n.includes('s3lo-tmp') || n.includes('aborted'))).toEqual([]);
  });

  it('a commit missing a blob fails and leaves an existing target untouched', async () => {
    const target = join(dir, 'existing.tar');
    await writeFile(target, 'previous content');
    const layer = layerTar();
    const { manifest, manifestDigest } = ociLayoutEntries(imageConfig([sha256(layer)]), [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }]);
    const sink = await openArchiveSink(at(`oci-archive:${target}:v1`));
    const error = await sink.commit({ bytes: manifest, digest: manifestDigest as `sha256:${string}`, mediaType: oci.MediaType.OCI_MANIFEST }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.NOT_FOUND)).toBe(true);
    await sink.close({ committed: false });
    expect(await readFile(target, 'utf8')).toBe('previous content');
    expect((await listTree(dir)).filter((n) => n.includes('s3lo'))).toEqual([]);
  });

  it('an aborted commit leaves neither the archive nor temporary files', async () => {
    const layer = layerTar();
    const path = await sourceWith('abort-src.tar', [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }], [sha256(layer)]);
    const source = await openArchiveSource(at(`oci-archive:${path}`));
    const target = join(dir, 'abort-out.tar');
    const sink = await openArchiveSink(at(`oci-archive:${target}`));
    for (const blob of (await imageBlobs(source)).blobs) await sink.writeBlob(blob, verified(await readVerified(source, blob), blob));
    const controller = new AbortController();
    controller.abort();
    const error = await sink.commit(await source.readManifest(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.ABORTED)).toBe(true);
    await sink.close({ committed: false });
    await source.close();
    expect((await listTree(dir)).filter((n) => n.includes('abort-out') || n.includes('s3lo'))).toEqual([]);
  });

  it('refuses a target in a missing directory, or that is a directory, before anything moves', async () => {
    const missing = await openArchiveSink(at(`oci-archive:${join(dir, 'no/such/dir.tar')}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(missing, ErrorCode.NOT_FOUND)).toBe(true);
    const isDir = await openArchiveSink(at(`docker-archive:${dir}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(isDir, ErrorCode.INVALID_ARGUMENT)).toBe(true);
  });

  it('refuses a target that is a symbolic link, before anything moves: neither the link nor the file it leads to changes', async () => {
    const elsewhere = await tempDir();
    const victim = join(elsewhere, 'victim');
    await writeFile(victim, "not an archive, and not s3lo's to replace");
    const link = join(dir, 'link.tar');
    await symlink(victim, link);
    for (const kind of ['oci-archive', 'docker-archive']) {
      const error = await openArchiveSink(at(`${kind}:${link}`)).catch((e: unknown) => e);
      expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT), String(error)).toBe(true);
      expect((error as S3loError).message).toMatch(/is a symbolic link \(to ".*victim"\), and s3lo neither writes through a link nor replaces it/);
      expect((error as S3loError).hint).toBe('name the file itself, or remove the link first');
    }
    expect(await readFile(victim, 'utf8')).toBe("not an archive, and not s3lo's to replace");
    expect(await readlink(link)).toBe(victim);
    expect((await listTree(dir)).filter((n) => n.includes('s3lo-tmp'))).toEqual([]);
  });

  it('refuses a FIFO (or a device) as target: a rename would replace the node itself', async () => {
    const fifo = join(dir, 'pipe.tar');
    await run('mkfifo', [fifo]);
    const error = await openArchiveSink(at(`docker-archive:${fifo}`)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT), String(error)).toBe(true);
    expect((error as S3loError).message).toMatch(/it is a FIFO \(named pipe\)/);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('writes into a directory reached through a link (the one the caller named), replacing an existing file', async () => {
    const real = await tempDir();
    const viaLink = join(dir, 'dir-link');
    await symlink(real, viaLink);
    await writeFile(join(real, 'out.tar'), 'previous content');
    const layer = layerTar();
    const path = await sourceWith('via-link-src.tar', [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }], [sha256(layer)]);
    await copyByHand(await openArchiveSource(at(`oci-archive:${path}`)), await openArchiveSink(at(`oci-archive:${join(viaLink, 'out.tar')}`)));
    expect((await lstat(join(real, 'out.tar'))).isFile()).toBe(true);
    expect(await readFile(join(real, 'out.tar'), 'utf8')).not.toBe('previous content');
    expect((await listTree(real)).filter((n) => n.includes('s3lo-tmp'))).toEqual([]);
  });
});

function verified(bytes: Buffer, descriptor: Descriptor): Readable {
  const verifier = createDigestVerifier({ digest: descriptor.digest, size: descriptor.size });
  pipeline(Readable.from([bytes]), verifier, () => {});
  return verifier;
}
