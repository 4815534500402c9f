// The errno reading shared by everything on node:fs. Real read-only and full
// file systems are tested end to end by the CLI (packages/cli/test/
// file-systems.test.ts, on tmpfs mounts); here the mapper gets errors shaped
// like Node's for errnos no unprivileged test can produce.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '../../src/errors/index.js';
import { createDirectories, fsError } from '../../src/storage/index.js';

/** An error as node:fs makes it (code, syscall, path). */
function errno(code: string, path = '/data/x'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something, open '${path}'`), { code, syscall: 'open', path, errno: -1 });
}

describe('fsError', () => {
  it.each([
    ['EROFS', ErrorCode.PERMISSION_DENIED, 'the file system is read-only', /remount/],
    ['ENOSPC', ErrorCode.BACKEND_ERROR, 'no space left on the device (the disk is full)', /free some space/],
    ['EDQUOT', ErrorCode.BACKEND_ERROR, 'the disk quota is used up', /free some space/],
    ['EACCES', ErrorCode.PERMISSION_DENIED, 'permission denied by the file system (EACCES)', /owner and mode/],
  ])('%s: says what is wrong, never "does not exist"', (code, expected, problem, hint) => {
    const error = fsError(errno(code), 'writing blob sha256:ab of oci:./out', '/data/x');
    expect(error.code).toBe(expected);
    expect(error.message).toBe(`writing blob sha256:ab of oci:./out: ${problem} (/data/x)`);
    expect(error.hint).toMatch(hint);
    expect(error.details).toEqual({ path: '/data/x', errno: code });
  });

  it('ENOENT is NOT_FOUND; an S3loError passes unchanged; an abort is ABORTED', () => {
    expect(fsError(errno('ENOENT'), 'the index.json', '/data/x').code).toBe(ErrorCode.NOT_FOUND);
    const own = new S3loError(ErrorCode.DIGEST_MISMATCH, 'bad bytes');
    expect(fsError(own, 'x', '/y')).toBe(own);
    const controller = new AbortController();
    controller.abort();
    expect(fsError(errno('ENOSPC'), 'x', '/y', controller.signal).code).toBe(ErrorCode.ABORTED);
  });
});

describe('createDirectories', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3lo-mkdir-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates every missing component, and accepts a directory that exists', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await createDirectories(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await createDirectories(deep);
  });

  it('rejects with the errno of the mkdir that failed, as mkdir -p: EEXIST for a file, ENOTDIR for a file on the way', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(createDirectories(join(dir, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(createDirectories(join(dir, 'file', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
