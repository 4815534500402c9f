import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, PluginRegistry, S3loError, type StorageBackend } from '@s3lo/core/storage';
import { expectS3loError, readAll } from '@s3lo/backend-conformance';
import localBackend, { LocalBackend, plugin } from '../src/index.js';
import { toS3loError } from '../src/fs-errors.js';

let scratch: string;
let bucket: string;
let backend: LocalBackend;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 's3lo-local-'));
  bucket = join(scratch, 'bucket');
  backend = new LocalBackend(bucket);
});

afterEach(async () => {
  await chmod(scratch, 0o755).catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
});

/** Every file under `dir`, relative, `/`-separated; directories are not listed. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

async function text(b: StorageBackend, key: string): Promise<string> {
  return (await readAll(await b.get(key))).toString('utf8');
}

async function* failingBody(): AsyncGenerator<Buffer> {
  yield Buffer.alloc(300_000, 7);
  throw new Error('the body failed on purpose');
}

const NOT_THERE = [ErrorCode.INVALID_KEY, ErrorCode.NOT_FOUND] as const;

describe('the bucket directory', () => {
  it('is a missing bucket while it does not exist (reads say so and create nothing), and is created by the first write', async () => {
    for (const [what, read] of [
      ['stat', () => backend.stat('a')],
      ['get', () => backend.get('a')],
      ['list', () => backend.list()],
      ['list under a prefix', () => backend.list({ prefix: 'manifests/' })],
    ] as const) {
      const error = await expectS3loError(read(), 'NOT_FOUND', `${what} in a missing bucket`);
      expect(error.details['missing'], what).toBe('bucket');
      expect(error.message, what).toBe(`the local bucket directory ${bucket} does not exist`);
    }
    expect(await backend.deleteMany(['a'])).toEqual({ deleted: ['a'], failed: [] });
    expect(existsSync(bucket), 'bucket directory after reads').toBe(false);
    await backend.put('manifests/app/v1/manifest.json', Buffer.from('{}'));
    expect((await stat(bucket)).isDirectory(), 'bucket directory after a write').toBe(true);
  });

  it('an existing empty directory is an empty bucket', async () => {
    await mkdir(bucket);
    expect(await backend.list()).toEqual({ objects: [], commonPrefixes: [] });
    const missingKey = await expectS3loError(backend.stat('a'), 'NOT_FOUND', 'stat of a missing key');
    expect(missingKey.details['missing']).toBeUndefined();
  });

  it('is resolved to an absolute path', () => {
    expect(new LocalBackend('relative/store').bucket).toBe(resolve('relative/store'));
    expect(backend.bucket).toBe(bucket);
  });

  it('must be named', async () => {
    expect(() => new LocalBackend('')).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }));
  });

  it('holds each key as a file at the same relative path, as the Go s3lo lays it out', async () => {
    const digest = 'a'.repeat(64);
    await backend.put(`blobs/sha256/${digest}`, Buffer.from('layer'));
    await backend.put('manifests/org/app/v1/manifest.json', Buffer.from('{"schemaVersion":2}'));
    expect(await filesUnder(bucket)).toEqual([`blobs/sha256/${digest}`, 'manifests/org/app/v1/manifest.json']);
    expect(await readFile(join(bucket, 'blobs', 'sha256', digest), 'utf8')).toBe('layer');
  });

  it('reads files written by another tool', async () => {
    await mkdir(join(bucket, 'manifests', 'app', 'v1'), { recursive: true });
    await writeFile(join(bucket, 'manifests', 'app', 'v1', 'manifest.json'), '{"from":"go"}');
    expect(await text(backend, 'manifests/app/v1/manifest.json')).toBe('{"from":"go"}');
    const page = await backend.list({ prefix: 'manifests/', delimiter: '/' });
    expect(page.commonPrefixes).toEqual(['manifests/app/']);
  });

  it('may itself be a symbolic link', async () => {
    const real = join(scratch, 'real-bucket');
    await mkdir(real);
    await symlink(real, join(scratch, 'linked-bucket'));
    const linked = new LocalBackend(join(scratch, 'linked-bucket'));
    await linked.put('a/b', Buffer.from('through the link'));
    expect(await readFile(join(real, 'a', 'b'), 'utf8')).toBe('through the link');
    expect((await linked.list()).objects.map((o) => o.key)).toEqual(['a/b']);
    expect((await linked.deleteMany(['a/b'])).failed).toEqual([]);
    expect(await readdir(real)).toEqual([]);
  });
});

describe('symbolic links', () => {
  let outside: string;

  beforeEach(async () => {
    outside = join(scratch, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'x'), 'secret');
    await mkdir(bucket);
    await symlink(outside, join(bucket, 'evil'));
  });

  async function expectOutsideUntouched(): Promise<void> {
    expect(await filesUnder(outside), 'files outside the bucket').toEqual(['x']);
    expect(await readFile(join(outside, 'x'), 'utf8'), 'content outside the bucket').toBe('secret');
  }

  it('are not read through when they lead out of the bucket', async () => {
    await expectS3loError(backend.get('evil/x'), NOT_THERE, 'get through a link out');
    await expectS3loError(backend.get('evil/x', { range: { offset: 1 } }), NOT_THERE, 'ranged get through a link out');
    await expectS3loError(backend.stat('evil/x'), NOT_THERE, 'stat through a link out');
    await expectS3loError(backend.copy('evil/x', 'stolen'), NOT_THERE, 'copy from a link out');
    expect(await backend.list(), 'list').toEqual({ objects: [], commonPrefixes: [] });
    expect(await backend.list({ delimiter: '/' }), 'list by "/"').toEqual({ objects: [], commonPrefixes: [] });
    expect(await backend.list({ prefix: 'evil/' }), 'list under the link').toEqual({ objects: [], commonPrefixes: [] });
    expect(await backend.list({ prefix: 'evil/x' }), 'list of the file behind the link').toEqual({ objects: [], commonPrefixes: [] });
    expect(await filesUnder(bucket), 'bucket').toEqual(['evil']);
  });

  it('are not written through when they lead out of the bucket', async () => {
    await backend.put('inside', Buffer.from('ok'));
    await expectS3loError(backend.put('evil/x', Buffer.from('overwritten')), 'INVALID_KEY', 'put through a link out');
    await expectS3loError(backend.put('evil/y', Buffer.from('new')), 'INVALID_KEY', 'put of a new file through a link out');
    await expectS3loError(backend.put('evil/new/deeper/y', Buffer.from('new')), 'INVALID_KEY', 'put creating directories through a link out');
    await expectS3loError(backend.put('evil/z', Buffer.from('new'), { ifNoneMatch: '*' }), 'INVALID_KEY', 'conditional put through a link out');
    await expectS3loError(backend.copy('inside', 'evil/z'), 'INVALID_KEY', 'copy through a link out');
    await expectOutsideUntouched();
    await backend.deleteMany(['inside']);
  });

  it('are not deleted through when they lead out of the bucket', async () => {
    const result = await backend.deleteMany(['evil/x']);
    expect(result.deleted).toEqual([]);
    expect(result.failed.map((f) => [f.key, f.error.code])).toEqual([['evil/x', ErrorCode.INVALID_KEY]]);
    await expectOutsideUntouched();
  });

  it('lead out from deeper down, or nowhere, are refused as well', async () => {
    await mkdir(join(bucket, 'a'));
    await symlink(outside, join(bucket, 'a', 'b'));
    await symlink(join(scratch, 'nowhere'), join(bucket, 'dangling'));
    await expectS3loError(backend.put('a/b/c/d', Buffer.from('x')), 'INVALID_KEY', 'put below a deeper link out');
    await expectS3loError(backend.get('a/b/x'), NOT_THERE, 'get below a deeper link out');
    await expectS3loError(backend.put('dangling/x', Buffer.from('x')), 'INVALID_KEY', 'put below a dangling link');
    expect(existsSync(join(scratch, 'nowhere')), 'the dangling link target').toBe(false);
    await expectOutsideUntouched();
  });

  it('as the last component are not objects, and a put replaces the link, not its target', async () => {
    await symlink(join(outside, 'x'), join(bucket, 'leak'));
    await expectS3loError(backend.get('leak'), 'NOT_FOUND', 'get of a link');
    await expectS3loError(backend.stat('leak'), 'NOT_FOUND', 'stat of a link');
    await expectS3loError(backend.copy('leak', 'copied'), 'NOT_FOUND', 'copy of a link');
    expect((await backend.list()).objects, 'list').toEqual([]);
    await backend.put('leak', Buffer.from('replaced'));
    expect(await text(backend, 'leak')).toBe('replaced');
    expect((await lstat(join(bucket, 'leak'))).isFile(), 'the link became a file').toBe(true);
    await expectOutsideUntouched();
  });

  it('inside the bucket are followed for keys, but never listed', async () => {
    await backend.put('real/a', Buffer.from('A'));
    await symlink(join(bucket, 'real'), join(bucket, 'alias'));
    expect(await text(backend, 'alias/a')).toBe('A');
    await backend.put('alias/b', Buffer.from('B'));
    expect(await readFile(join(bucket, 'real', 'b'), 'utf8')).toBe('B');
    expect((await backend.list()).objects.map((o) => o.key)).toEqual(['real/a', 'real/b']);
    await backend.deleteMany(['real/a', 'real/b']);
  });
});

describe('temporary files', () => {
  const leftover = '.abc.s3lo-tmp-0123456789abcdef';

  it('left by a crash are neither listed nor objects', async () => {
    await mkdir(join(bucket, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(bucket, 'blobs', 'sha256', leftover), 'half a layer');
    expect(await backend.list(), 'list').toEqual({ objects: [], commonPrefixes: [] });
    expect(await backend.list({ delimiter: '/' }), 'a directory holding only temporary files is no common prefix').toEqual({
      objects: [],
      commonPrefixes: [],
    });
    expect(await backend.list({ prefix: 'blobs/sha256/.abc' }), 'list by the temporary name').toEqual({ objects: [], commonPrefixes: [] });
    await expectS3loError(backend.stat('blobs/sha256/abc'), 'NOT_FOUND', 'stat of the key being written');
    await expectS3loError(backend.stat(`blobs/sha256/${leftover}`), 'INVALID_KEY', 'stat of the temporary file');
    await expectS3loError(backend.get(`blobs/sha256/${leftover}`), 'INVALID_KEY', 'get of the temporary file');
  });

  it('cannot be named by a key, while other dot-names can', async () => {
    await expectS3loError(backend.put(`x/${leftover}`, Buffer.from('x')), 'INVALID_KEY', 'put of a temporary name');
    await expectS3loError(backend.put(`${leftover}/x`, Buffer.from('x')), 'INVALID_KEY', 'put below a temporary name');
    await backend.put('.hidden/.config', Buffer.from('x'));
    expect((await backend.list()).objects.map((o) => o.key)).toEqual(['.hidden/.config']);
  });

  it('are removed when a body fails, with the directories the put created', async () => {
    await backend.put('keep', Buffer.from('k'));
    await expectS3loError(backend.put('deep/er/x', failingBody()), 'BACKEND_ERROR', 'put whose body fails');
    expect(await filesUnder(bucket)).toEqual(['keep']);
    expect(await readdir(bucket), 'directories after the failed put').toEqual(['keep']);
  });

  it('are removed when a put is aborted or loses a conditional create', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(100_000);
      controller.abort();
      await sleep(10);
      yield Buffer.alloc(100_000);
    }
    await expectS3loError(backend.put('a/aborted', slow(), { signal: controller.signal }), 'ABORTED', 'aborted put');
    await backend.put('a/taken', Buffer.from('first'));
    await expectS3loError(backend.put('a/taken', Buffer.from('second'), { ifNoneMatch: '*' }), 'ALREADY_EXISTS', 'conditional put');
    expect(await filesUnder(bucket)).toEqual(['a/taken']);
  });

  it('fit the 255-byte name limit for long key components', async () => {
    const long = 'l'.repeat(250);
    await backend.put(`dir/${long}`, Buffer.from('long'));
    expect(await text(backend, `dir/${long}`)).toBe('long');
    await expectS3loError(backend.put(`dir/${'l'.repeat(300)}`, Buffer.from('x')), 'INVALID_KEY', 'put of a 300-byte component');
    expect(await filesUnder(bucket)).toEqual([`dir/${long}`]);
  });

  it('are all a process killed mid-write leaves: the key keeps its previous object', async () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    if (!existsSync(dist)) throw new Error(`${dist} is missing: build the package (pnpm build) before testing`);
    await backend.put('blobs/sha256/victim', Buffer.from('the original'));
    const script = `
      import { LocalBackend } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const backend = new LocalBackend(process.env.S3LO_BUCKET);
      async function* body() {
        for (let i = 0; ; i++) {
          yield Buffer.alloc(64 * 1024, i);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      await backend.put('blobs/sha256/victim', body());
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, S3LO_BUCKET: bucket },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((done) => child.on('exit', (code, signal) => done(signal ?? code)));
    // Kill it once its temporary file holds data, i.e. truly mid-write. The
    // writer never ends by itself, so this waits for that event or the
    // writer's death, however long a busy machine takes to start it (the
    // test's timeout is the only bound).
    const dir = join(bucket, 'blobs', 'sha256');
    let temp: string | undefined;
    while (temp === undefined && child.exitCode === null && child.signalCode === null) {
      for (const name of await readdir(dir)) {
        if (name.includes('.s3lo-tmp-') && (await stat(join(dir, name)).catch(() => undefined))?.size) temp = name;
      }
      if (temp === undefined) await sleep(10);
    }
    child.kill('SIGKILL');
    expect(await exited, `the writer's exit (stderr: ${stderr})`).toBe('SIGKILL');
    expect(temp, 'a temporary file with data was written').toBeDefined();
    expect(await text(backend, 'blobs/sha256/victim'), 'the key after the crash').toBe('the original');
    expect(
      (await backend.list()).objects.map((o) => o.key),
      'listing after the crash',
    ).toEqual(['blobs/sha256/victim']);
    expect(await readdir(dir), 'the crash leaves its temporary file behind, hidden').toContain(temp);
    // ...and it is a pending upload: listed with the key it was writing, removed by an abort.
    const { uploads } = await backend.listPendingUploads();
    expect(uploads.map((u) => [u.key, u.id])).toEqual([['blobs/sha256/victim', `blobs/sha256/${temp}`]]);
    await backend.abortPendingUpload(uploads[0] as { key: string; id: string });
    expect(await filesUnder(bucket), 'after aborting the pending upload').toEqual(['blobs/sha256/victim']);
    expect(await text(backend, 'blobs/sha256/victim'), 'the key after the abort').toBe('the original');
  }, 120_000);

  it('as pending uploads: a name too long to carry its key gives the directory as key; ids that are no temporary files are refused', async () => {
    const short = '..s3lo-tmp-0123456789abcdef';
    await mkdir(join(bucket, 'dir'), { recursive: true });
    await writeFile(join(bucket, 'dir', short), 'x');
    await writeFile(join(bucket, 'dir', 'object'), 'kept');
    expect((await backend.listPendingUploads()).uploads.map((u) => [u.key, u.id])).toEqual([['dir/', `dir/${short}`]]);
    for (const id of ['dir/object', 'dir', `${leftover}/x`, '../escape.s3lo-tmp-0123456789abcdef']) {
      await expectS3loError(backend.abortPendingUpload({ key: 'dir/object', id }), [ErrorCode.INVALID_ARGUMENT, ErrorCode.INVALID_KEY], `abort with id ${id}`);
    }
    expect(await filesUnder(bucket)).toEqual(['dir/..s3lo-tmp-0123456789abcdef', 'dir/object']);
    await backend.abortPendingUpload({ key: 'dir/', id: `dir/${short}` });
    expect(await filesUnder(bucket)).toEqual(['dir/object']);
  });

  it('as pending uploads: are not found or removed through a symbolic link out of the bucket', async () => {
    const outside = join(scratch, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, leftover), 'not ours');
    await mkdir(bucket);
    await symlink(outside, join(bucket, 'link'));
    expect((await backend.listPendingUploads()).uploads).toEqual([]);
    await expectS3loError(backend.abortPendingUpload({ key: 'link/abc', id: `link/${leftover}` }), [ErrorCode.INVALID_KEY, ErrorCode.PERMISSION_DENIED], 'abort through a link');
    expect(await readdir(outside)).toEqual([leftover]);
  });

  it('removed under a write in flight fail that write with BACKEND_ERROR, and the key keeps its previous object', async () => {
    await backend.put('a/key', Buffer.from('previous'));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    async function* held(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000, 1);
      await gate;
      yield Buffer.alloc(1000, 2);
    }
    const writing = backend.put('a/key', held());
    let uploads: readonly { key: string; id: string }[] = [];
    while (uploads.length === 0) {
      uploads = (await backend.listPendingUploads()).uploads;
      if (uploads.length === 0) await sleep(5);
    }
    await backend.abortPendingUpload(uploads[0] as { key: string; id: string });
    open();
    const error = await expectS3loError(writing, 'BACKEND_ERROR', 'the write whose temporary file was removed');
    expect(error.message).toContain('temporary file was removed');
    expect(await text(backend, 'a/key')).toBe('previous');
    expect(await filesUnder(bucket)).toEqual(['a/key']);
  });
});

describe('deletes', () => {
  it('remove directories left empty, up to but not including the bucket directory', async () => {
    await backend.put('a/b/c/d', Buffer.from('x'));
    await backend.put('a/other', Buffer.from('y'));
    await backend.deleteMany(['a/b/c/d']);
    expect(await readdir(join(bucket, 'a')), 'after deleting a/b/c/d').toEqual(['other']);
    await backend.deleteMany(['a/other']);
    expect(await readdir(bucket), 'after deleting the last key').toEqual([]);
  });

  it('report a directory in the way as a failure of that key', async () => {
    await backend.put('dir/child', Buffer.from('x'));
    await backend.put('plain', Buffer.from('y'));
    const result = await backend.deleteMany(['dir', 'plain']);
    expect(result.deleted).toEqual(['plain']);
    expect(result.failed.map((f) => [f.key, f.error.code])).toEqual([['dir', ErrorCode.BACKEND_ERROR]]);
    expect(await text(backend, 'dir/child')).toBe('x');
  });

  it.skipIf(process.getuid?.() === 0)('report a permission failure as PERMISSION_DENIED for that key', async () => {
    await backend.put('locked/file', Buffer.from('x'));
    await backend.put('free', Buffer.from('y'));
    await chmod(join(bucket, 'locked'), 0o555);
    try {
      const result = await backend.deleteMany(['locked/file', 'free']);
      expect(result.deleted).toEqual(['free']);
      expect(result.failed.map((f) => [f.key, f.error.code])).toEqual([['locked/file', ErrorCode.PERMISSION_DENIED]]);
    } finally {
      await chmod(join(bucket, 'locked'), 0o755);
    }
  });
});

describe('list', () => {
  it('shows no common prefix for directories without objects', async () => {
    await mkdir(join(bucket, 'empty', 'deeper', 'still'), { recursive: true });
    await mkdir(join(bucket, 'only-temp'), { recursive: true });
    await writeFile(join(bucket, 'only-temp', '.x.s3lo-tmp-0123456789abcdef'), '');
    await backend.put('full/deep/down/object', Buffer.from('x'));
    expect(await backend.list({ delimiter: '/' })).toEqual({ objects: [], commonPrefixes: ['full/'] });
    await backend.deleteMany(['full/deep/down/object']);
  });

  it('groups by a delimiter other than "/"', async () => {
    for (const key of ['a-1', 'a-2', 'b', 'c-x/y', 'c/d']) await backend.put(key, Buffer.from(key));
    expect(await backend.list({ delimiter: '-' })).toEqual({
      objects: [expect.objectContaining({ key: 'b' }), expect.objectContaining({ key: 'c/d' })],
      commonPrefixes: ['a-', 'c-'],
    });
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await backend.list({ delimiter: '-', pageSize: 1, continuationToken: token });
      keys.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
      token = page.nextToken;
    } while (token !== undefined);
    expect(keys).toEqual(['a-', 'b', 'c-', 'c/d']);
  });

  it('refuses a continuation token it did not issue and a page size below 1', async () => {
    await expectS3loError(backend.list({ continuationToken: 'not a token' }), 'INVALID_ARGUMENT', 'a malformed token');
    await expectS3loError(backend.list({ continuationToken: Buffer.from('x:y').toString('base64url') }), 'INVALID_ARGUMENT', 'a foreign token');
    await expectS3loError(backend.list({ pageSize: 0 }), 'INVALID_ARGUMENT', 'pageSize 0');
    await expectS3loError(backend.list({ pageSize: 1.5 }), 'INVALID_ARGUMENT', 'pageSize 1.5');
  });
});

describe('arguments and errors', () => {
  it('refuses ranges that are not non-negative integers', async () => {
    await backend.put('r', Buffer.from('abc'));
    for (const range of [{ offset: -1 }, { offset: 0.5 }, { offset: 0, length: -1 }, { offset: Number.NaN }]) {
      await expectS3loError(backend.get('r', { range }), 'INVALID_ARGUMENT', `range ${JSON.stringify(range)}`);
    }
  });

  it('refuses a negative size and an ifNoneMatch other than "*"', async () => {
    await expectS3loError(backend.put('s', Buffer.from('x'), { size: -1 }), 'INVALID_ARGUMENT', 'size -1');
    await expectS3loError(backend.put('s', Buffer.from('x'), { ifNoneMatch: 'etag' as '*' }), 'INVALID_ARGUMENT', 'ifNoneMatch "etag"');
  });

  it('maps fs errors to stable codes by errno, never by message', () => {
    const fsError = (code: string): Error => Object.assign(new Error(`${code}: something`), { code, syscall: 'open' });
    const cases: [string, ErrorCode][] = [
      ['ENOENT', ErrorCode.NOT_FOUND],
      ['ENOTDIR', ErrorCode.NOT_FOUND],
      ['EEXIST', ErrorCode.ALREADY_EXISTS],
      ['EACCES', ErrorCode.PERMISSION_DENIED],
      ['EPERM', ErrorCode.PERMISSION_DENIED],
      ['ENAMETOOLONG', ErrorCode.INVALID_KEY],
      ['EIO', ErrorCode.BACKEND_ERROR],
    ];
    for (const [errno, code] of cases) {
      const mapped = toS3loError(fsError(errno), { op: 'get', key: 'k' });
      expect([errno, mapped.code]).toEqual([errno, code]);
      expect(mapped.cause, `${errno} keeps its cause`).toBeInstanceOf(Error);
    }
    // "ENOENT" in a message is not absence.
    expect(toS3loError(new Error('ENOENT 404'), { op: 'get' }).code).toBe(ErrorCode.BACKEND_ERROR);
    const aborted = toS3loError(Object.assign(new Error('x'), { name: 'AbortError' }), { op: 'put' });
    expect(aborted.code).toBe(ErrorCode.ABORTED);
    const existing = new S3loError(ErrorCode.DIGEST_MISMATCH, 'kept');
    expect(toS3loError(existing, { op: 'put' })).toBe(existing);
  });
});

describe('plugin', () => {
  it('is the default export, serves local:// and implements contract 1', () => {
    expect(localBackend).toBe(plugin);
    expect(plugin).toMatchObject({ kind: 'backend', contractVersion: 1, name: '@s3lo/backend-local', schemes: ['local'] });
  });

  it('registers in a PluginRegistry and resolves { scheme: "local", bucket }', async () => {
    const registry = new PluginRegistry();
    registry.registerBackend(plugin);
    expect(registry.schemes()).toEqual(['local']);
    const resolved = await registry.resolveBackend({ scheme: 'local', bucket }, { fsync: false });
    expect(resolved).toBeInstanceOf(LocalBackend);
    expect(resolved.bucket).toBe(bucket);
    await resolved.put('hello.txt', Buffer.from('hi'));
    expect(await text(resolved, 'hello.txt')).toBe('hi');
    expect(await readFile(join(bucket, 'hello.txt'), 'utf8')).toBe('hi');
  });

  it('names its one option, fsync, and refuses a value that is not a boolean', async () => {
    expect(plugin.optionNames).toEqual(['fsync']);
    const registry = new PluginRegistry();
    registry.registerBackend(plugin);
    await expect(registry.resolveBackend({ scheme: 'local', bucket }, { fsync: 'no' })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: 'local backend option fsync must be true or false, got "no"',
    });
    expect(await registry.resolveBackend({ scheme: 'local', bucket }, { fsync: true, endpoint: 'http://ignored:1' })).toBeInstanceOf(LocalBackend);
  });
});
