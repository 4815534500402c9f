import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, S3loError } from '@s3lo/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { normaliseEntryName, resolveLinkTarget } from '../src/tar/entry-names.js';
import { TarArchive } from '../src/tar/tar-archive.js';
import { TarWriter } from '../src/tar/tar-writer.js';
import { readAll, tempDir } from './helpers/images.js';
import { buildTar } from './helpers/raw-tar.js';
import { run } from './helpers/tools.js';

describe('entry names', () => {
  it.each([
    ['index.json', 'index.json'],
    ['./index.json', 'index.json'],
    ['./blobs//sha256/./abc', 'blobs/sha256/abc'],
    ['blobs/sha256/', 'blobs/sha256'],
    ['./', ''],
    ['..foo/bar', '..foo/bar'],
  ])('%s is %s', (raw, name) => {
    expect(normaliseEntryName(raw)).toEqual({ name });
  });

  it.each(['/etc/passwd', '../evil', 'a/../../b', 'a/..', 'a\\b', 'C:/x', 'bad\u0001name'])('%s is refused', (raw) => {
    expect(normaliseEntryName(raw)).toHaveProperty('problem');
  });

  it('resolves links inside the archive and refuses the ones leaving it', () => {
    expect(resolveLinkTarget('aaa/layer.tar', '../bbb/layer.tar', 'symlink')).toEqual({ name: 'bbb/layer.tar' });
    expect(resolveLinkTarget('blobs/sha256/x', 'y', 'symlink')).toEqual({ name: 'blobs/sha256/y' });
    expect(resolveLinkTarget('blobs/sha256/x', 'blobs/sha256/y', 'hardlink')).toEqual({ name: 'blobs/sha256/y' });
    expect(resolveLinkTarget('a', '/etc/passwd', 'symlink')).toHaveProperty('problem');
    expect(resolveLinkTarget('a/b', '../../x', 'symlink')).toHaveProperty('problem');
    expect(resolveLinkTarget('a', '../x', 'hardlink')).toHaveProperty('problem');
    expect(resolveLinkTarget('a/b', '..', 'symlink')).toHaveProperty('problem');
  });
});

describe('TarArchive on archives GNU tar writes', () => {
  let dir: string;
  const longName = `${'d'.repeat(60)}/${'n'.repeat(120)}.json`;

  beforeAll(async () => {
    dir = await tempDir();
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'd'.repeat(60)), { recursive: true });
    await writeFile(join(tree, longName), '{"long":true}');
    await writeFile(join(tree, 'index.json'), '{"index":true}');
    await writeFile(join(tree, 'big.bin'), Buffer.alloc(70_000, 7));
    await writeFile(join(tree, 'empty'), '');
    for (const format of ['gnu', 'pax', 'ustar', 'v7']) {
      // ustar and v7 cannot hold the long name: those archives get the short files only.
      const files = format === 'gnu' || format === 'pax' ? ['.'] : ['./index.json', './big.bin', './empty'];
      await run('tar', ['-c', `--format=${format}`, '-f', join(dir, `${format}.tar`), '-C', tree, ...files]);
    }
  });

  it.each(['gnu', 'pax', 'ustar', 'v7'])('indexes a %s archive and reads members by range', async (format) => {
    const archive = await TarArchive.open(join(dir, `${format}.tar`));
    try {
      const index = archive.resolveFile('index.json', 'index');
      expect((await archive.readFile(index, 1024, 'index')).toString()).toBe('{"index":true}');
      const big = archive.resolveFile('big.bin', 'big');
      expect(big.size).toBe(70_000);
      expect((await readAll(archive.openRange(big))).equals(Buffer.alloc(70_000, 7))).toBe(true);
      expect(await readAll(archive.openRange(archive.resolveFile('empty', 'empty')))).toHaveLength(0);
      if (format === 'gnu' || format === 'pax') {
        const long = archive.resolveFile(longName, 'long');
        expect((await archive.readFile(long, 1024, 'long')).toString()).toBe('{"long":true}');
      }
    } finally {
      await archive.close();
    }
  });

  it('accepts an archive that stops without its two zero blocks, as Go readers do', async () => {
    const path = join(dir, 'no-end.tar');
    await writeFile(path, buildTar([{ name: 'a', data: 'x' }], { end: false }));
    const archive = await TarArchive.open(path);
    expect(archive.entry('a')?.size).toBe(1);
    await archive.close();
  });

  it('refuses a lone zero block followed by more entries', async () => {
    const path = join(dir, 'lone-zero.tar');
    await writeFile(path, Buffer.concat([buildTar([{ name: 'a', data: 'x' }], { end: false }), Buffer.alloc(512), buildTar([{ name: 'b', data: 'y' }])]));
    const error = await TarArchive.open(path).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_MANIFEST)).toBe(true);
  });

  it('refuses more entries than its limit, and names a missing file and a directory', async () => {
    const error = await TarArchive.open(join(dir, 'gnu.tar'), { maxEntries: 2 }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.TOO_LARGE)).toBe(true);
    const missing = await TarArchive.open(join(dir, 'nope.tar')).catch((e: unknown) => e);
    expect(S3loError.isInstance(missing, ErrorCode.NOT_FOUND)).toBe(true);
    const directory = await TarArchive.open(dir).catch((e: unknown) => e);
    expect(S3loError.isInstance(directory, ErrorCode.INVALID_ARGUMENT)).toBe(true);
  });

  it('a member stream fails when the file shrinks under it', async () => {
    const path = join(dir, 'shrinks.tar');
    await writeFile(path, buildTar([{ name: 'a', data: Buffer.alloc(100_000, 1) }]));
    const archive = await TarArchive.open(path);
    const handle = await open(path, 'r+');
    await handle.truncate(50_000);
    await handle.close();
    const error = await readAll(archive.openRange(archive.resolveFile('a', 'a'))).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.SIZE_MISMATCH)).toBe(true);
    await archive.close();
  });
});

describe('TarWriter', () => {
  it('writes what GNU tar and our reader both read, long names included', async () => {
    const dir = await tempDir();
    const path = join(dir, 'written.tar');
    const longName = `blobs/${'x'.repeat(150)}`;
    const handle = await open(path, 'wx');
    const writer = new TarWriter(handle);
    await writer.file('oci-layout', 5, Buffer.from('hello'));
    await writer.directory('blobs');
    await writer.file(longName, 1000, Buffer.alloc(1000, 3));
    await writer.finish();
    await handle.close();

    expect((await run('tar', ['-tf', path])).trim().split('\n')).toEqual(['oci-layout', 'blobs/', longName]);
    await run('tar', ['-xf', path, '-C', dir]);
    expect((await readFile(join(dir, longName))).equals(Buffer.alloc(1000, 3))).toBe(true);
    const archive = await TarArchive.open(path);
    expect(archive.entry(longName)?.size).toBe(1000);
    await archive.close();
  });
});
