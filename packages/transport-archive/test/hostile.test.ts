import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ErrorCode, S3loError, oci, ref, type ErrorCode as Code } from '@s3lo/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openArchiveSink, openArchiveSource, type ArchiveLocation } from '../src/index.js';
import { copyByHand, listTree, readAll, readVerified, tempDir } from './helpers/images.js';
import { buildTar, imageConfig, layerTar, ociLayoutEntries, sha256, type RawEntry } from './helpers/raw-tar.js';

const at = (text: string) => ref.parseTransportReference(text) as ArchiveLocation;

// Every hostile archive lives in <root>/work; whatever happens, nothing may
// appear anywhere under <root> (`../evil` would land in <root>) or at the
// absolute paths the archives name.
describe('hostile archives are refused with typed errors, and nothing is written', () => {
  let root: string;
  let work: string;
  let before: string[];
  const absolute = `/tmp/s3lo-hostile-${process.pid}-abs`;

  beforeAll(async () => {
    root = await tempDir();
    work = join(root, 'work');
    await mkdir(work);
  });

  async function archive(name: string, entries: readonly RawEntry[] | Buffer): Promise<string> {
    const path = join(work, name);
    await writeFile(path, Buffer.isBuffer(entries) ? entries : buildTar(entries));
    before = await listTree(root);
    return path;
  }

  async function refused(text: string, code: Code, message?: RegExp): Promise<S3loError> {
    const error = await openArchiveSource(at(text)).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
    if (message !== undefined) expect((error as Error).message).toMatch(message);
    expect(await listTree(root)).toEqual(before);
    expect(existsSync(absolute)).toBe(false);
    return error as S3loError;
  }

  const layer = layerTar();
  const config = imageConfig([sha256(layer)]);
  const good = ociLayoutEntries(config, [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }]);

  it('an entry named ../evil', async () => {
    const path = await archive('dotdot.tar', [...good.entries, { name: '../evil', data: 'x' }]);
    await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST, /"\.\.\/evil".*"\.\." component/);
    expect(existsSync(join(root, 'evil'))).toBe(false);
  });

  it('an entry hiding .. in the middle of its name', async () => {
    const path = await archive('middle.tar', [{ name: 'blobs/../../evil', data: 'x' }, ...good.entries]);
    await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST);
  });

  it('an entry with an absolute name', async () => {
    const path = await archive('abs.tar', [...good.entries, { name: absolute, data: 'x' }]);
    await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST, /absolute path/);
  });

  it('a blob that is a symlink to /etc/passwd', async () => {
    const passwd = createHash('sha256')
      .update(await readFile('/etc/passwd'))
      .digest('hex');
    const entries = good.entries.map((e) => (e.name === `blobs/sha256/${good.manifestDigest.slice(7)}` ? { name: e.name, type: 'SymbolicLink' as const, linkpath: '/etc/passwd' } : e));
    const path = await archive('symlink.tar', entries);
    await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST, /symlink and it points outside the archive, to the absolute path "\/etc\/passwd"/);
    expect(
      createHash('sha256')
        .update(await readFile('/etc/passwd'))
        .digest('hex'),
    ).toBe(passwd);
  });

  it('a blob that is a symlink climbing out with ..', async () => {
    const entries = good.entries.map((e) =>
      e.name === `blobs/sha256/${good.manifestDigest.slice(7)}` ? { name: e.name, type: 'SymbolicLink' as const, linkpath: '../../../etc/passwd' } : e,
    );
    const path = await archive('symlink-up.tar', entries);
    await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST, /points outside the archive/);
  });

  it('a hard link to a member that comes later, and a chain of links', async () => {
    const manifestName = `blobs/sha256/${good.manifestDigest.slice(7)}`;
    const later = await archive('hardlink.tar', [
      ...good.entries.filter((e) => e.name !== manifestName && e.name !== 'oci-layout'),
      { name: manifestName, type: 'Link', linkpath: 'stash' },
      { name: 'stash', data: good.manifest },
    ]);
    await refused(`oci-archive:${later}`, ErrorCode.INVALID_MANIFEST, /comes later/);
    const chain = await archive('chain.tar', [
      { name: 'real', data: good.manifest },
      { name: 'hop', type: 'SymbolicLink', linkpath: 'real' },
      ...good.entries.map((e) => (e.name === manifestName ? { name: e.name, type: 'SymbolicLink' as const, linkpath: '../../hop' } : e)),
    ]);
    await refused(`oci-archive:${chain}`, ErrorCode.INVALID_MANIFEST, /followed once/);
  });

  it('two members of the same name', async () => {
    const path = await archive('duplicate.tar', [...good.entries, { name: './index.json', data: '{}' }]);
    await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST, /appears twice/);
  });

  it('a manifest.json naming a layer that is not in the archive', async () => {
    const path = await archive('missing-layer.tar', [
      { name: 'c.json', data: config },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: ['app:v1'], Layers: ['nowhere/layer.tar'] }]) },
    ]);
    await refused(`docker-archive:${path}`, ErrorCode.NOT_FOUND, /"nowhere\/layer.tar" is not in the archive/);
  });

  it('a manifest.json naming a path outside the archive', async () => {
    const path = await archive('outside-layer.tar', [
      { name: 'c.json', data: config },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: [], Layers: ['../../etc/passwd'] }]) },
    ]);
    await refused(`docker-archive:${path}`, ErrorCode.INVALID_MANIFEST, /Layers\[0\]/);
  });

  it('a malformed digest in index.json', async () => {
    const index = JSON.parse(String(good.entries[1]?.data)) as { manifests: { digest: string }[] };
    index.manifests[0]!.digest = 'sha256:../../etc/passwd';
    const path = await archive('bad-digest.tar', [good.entries[0]!, { name: 'index.json', data: JSON.stringify(index) }, ...good.entries.slice(2)]);
    const error = await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST);
    expect(S3loError.isInstance(error.cause, ErrorCode.INVALID_DIGEST)).toBe(true);
  });

  it('a header that announces more data than the file holds', async () => {
    const path = await archive('lying-size.tar', buildTar([...good.entries, { name: 'huge', data: 'only a little', declaredSize: 10_000_000 }], { end: false }));
    await refused(`oci-archive:${path}`, ErrorCode.SIZE_MISMATCH, /announces 10000000 bytes/);
  });

  it('an archive cut inside a header', async () => {
    const whole = buildTar(good.entries);
    const path = await archive('cut.tar', whole.subarray(0, 512 + 100));
    await refused(`oci-archive:${path}`, ErrorCode.SIZE_MISMATCH);
  });

  it('a corrupt header, a gzip-compressed archive, and a file that is not a tar', async () => {
    const corrupt = buildTar(good.entries);
    corrupt[0] = 'X'.charCodeAt(0);
    await refused(`oci-archive:${await archive('corrupt.tar', corrupt)}`, ErrorCode.INVALID_MANIFEST, /wrong checksum/);
    const gz = await refused(`oci-archive:${await archive('gz.tar', gzipSync(buildTar(good.entries)))}`, ErrorCode.INVALID_MANIFEST, /gzip/);
    expect(gz.hint).toMatch(/decompress/);
    await refused(`oci-archive:${await archive('text.tar', Buffer.from('hello, not a tar'.repeat(64)))}`, ErrorCode.INVALID_MANIFEST);
  });

  it('a symlink entry that claims data', async () => {
    const path = await archive('link-data.tar', [...good.entries, { name: 'l', type: 'SymbolicLink', linkpath: 'index.json', declaredSize: 512, data: Buffer.alloc(512) }]);
    await refused(`oci-archive:${path}`, ErrorCode.INVALID_MANIFEST, /readers disagree/);
  });

  it('a blob whose bytes do not match its digest or size', async () => {
    const layerName = `blobs/sha256/${sha256(layer).slice(7)}`;
    const tampered = Buffer.from(layer);
    tampered[600] = 0x41;
    const path = await archive(
      'tampered-blob.tar',
      good.entries.map((e) => (e.name === layerName ? { name: e.name, data: tampered } : e)),
    );
    const source = await openArchiveSource(at(`oci-archive:${path}`));
    const manifest = oci.parseImageManifest((await source.readManifest()).bytes);
    const error = await readVerified(source, manifest.layers[0]!).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.DIGEST_MISMATCH)).toBe(true);
    const size = await source.openBlob({ ...manifest.layers[0]!, size: 3 }).catch((e: unknown) => e);
    expect(S3loError.isInstance(size, ErrorCode.SIZE_MISMATCH)).toBe(true);
    const digest = await source.openBlob({ ...manifest.layers[0]!, digest: 'sha256:nothex' as `sha256:${string}` }).catch((e: unknown) => e);
    expect(S3loError.isInstance(digest, ErrorCode.INVALID_DIGEST)).toBe(true);
    const absent = await source.openBlob({ ...manifest.layers[0]!, digest: `sha256:${'0'.repeat(64)}` }).catch((e: unknown) => e);
    expect(S3loError.isInstance(absent, ErrorCode.NOT_FOUND)).toBe(true);
    await source.close();
    expect(await listTree(root)).toEqual(before);
  });

  it('a docker-archive layer that does not hash to its diff_id fails as it streams, and a copy writes nothing', async () => {
    const wrongConfig = imageConfig([sha256('not this layer')]);
    const path = await archive('wrong-diff-id.tar', [
      { name: 'l/layer.tar', data: layer },
      { name: 'c.json', data: wrongConfig },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', RepoTags: ['app:v1'], Layers: ['l/layer.tar'] }]) },
    ]);
    const source = await openArchiveSource(at(`docker-archive:${path}`));
    const manifest = oci.parseImageManifest((await source.readManifest()).bytes);
    // The source verifies diff_id layers itself, even without the copy's verifier.
    const direct = await readAll(await source.openBlob(manifest.layers[0]!)).catch((e: unknown) => e);
    expect(S3loError.isInstance(direct, ErrorCode.DIGEST_MISMATCH)).toBe(true);
    await source.close();

    const target = join(work, 'copied.tar');
    const copy = await copyByHand(await openArchiveSource(at(`docker-archive:${path}`)), await openArchiveSink(at(`oci-archive:${target}:v1`))).catch((e: unknown) => e);
    expect(S3loError.isInstance(copy, ErrorCode.DIGEST_MISMATCH)).toBe(true);
    expect(await listTree(root)).toEqual(before);
  });
});
