import { execFile, spawn } from 'node:child_process';
import { cp, readFile, stat, symlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
// The CLI's test helpers (subprocess runner, OCI layouts): this package is
// the CLI's build, bundled, so it is driven the same way.
import { FIXTURE_PLUGIN, cleanEnv, runCli, runJson, tempDir } from '../../cli/test/helpers/cli.js';
import { makeImage, type MadeImage } from '../../cli/test/helpers/images.js';

// The bundled executable (the `s3lo` package), its dist copied alone into
// an empty directory (no node_modules anywhere up the tree of the temp
// dir): every built-in backend and transport must be inside it.
const DIST = resolve(import.meta.dirname, '../dist');
const ENTRY = join(DIST, 's3lo.mjs');
let bare: string;
let exe: string;
let img: MadeImage;

beforeAll(async () => {
  bare = await tempDir('s3lo-bundle-');
  await cp(DIST, join(bare, 'dist'), { recursive: true });
  exe = join(bare, 'dist', 's3lo.mjs');
  img = await makeImage(join(bare, 'layout'));
});

describe('the bundled executable (dist/s3lo.mjs and dist/chunks/)', () => {
  it('is an executable entry with a node shebang', async () => {
    expect((await readFile(ENTRY, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((await stat(ENTRY)).mode & 0o111).not.toBe(0);
  });

  it('runs by itself and through a symlink named s3lo (how npm links its bin)', async () => {
    await symlink(exe, join(bare, 's3lo'));
    const env = cleanEnv({ PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` });
    const { stdout } = await promisify(execFile)(join(bare, 's3lo'), ['version', '-o', 'json'], { cwd: bare, env });
    const version = JSON.parse(stdout) as { plugins: { name: string }[] };
    expect(version.plugins.map((p) => p.name)).toEqual(['@s3lo/backend-local', '@s3lo/backend-s3', '@s3lo/backend-gcs', '@s3lo/backend-azure', '@s3lo/transport-archive']);
    expect((await promisify(execFile)(join(bare, 's3lo'), ['--version'], { cwd: bare, env })).stdout).toMatch(/^s3lo version \S+\n$/);
  });

  it('push, list, inspect, pull (archive transport), stats, clean', async () => {
    const opts = { cwd: bare, script: exe };
    const pushed = await runJson<{ digest: string; blobsCopied: number }>(['push', 'oci:./layout:v1', 'local://./store/app:v1'], opts);
    expect(pushed).toMatchObject({ digest: img.digest, blobsCopied: 3 });
    expect(await runJson(['list', 'local://./store'], opts)).toEqual([{ name: 'app', tags: ['v1'] }]);
    expect(await runJson(['inspect', 'local://./store/app:v1'], opts)).toMatchObject({ digest: img.digest, isIndex: false });
    const pulled = await runCli(['pull', 'local://./store/app:v1', 'oci-archive:./app.tar:v1'], opts);
    expect(pulled.code, pulled.stderr).toBe(0);
    const back = await runJson<{ digest: string }>(['push', 'oci-archive:./app.tar:v1', 'local://./store/app:from-archive'], opts);
    expect(back.digest).toBe(img.digest);
    expect(await runJson(['stats', 'local://./store'], opts)).toMatchObject({ images: 1, tags: 2, uniqueBlobs: 3 });
    expect(await runJson(['clean', 'local://./store', '--grace', '0s'], opts)).toMatchObject({ dryRun: true, candidates: 0 });
    const yaml = await runCli(['list', 'local://./store', '-o', 'yaml'], opts);
    expect(yaml.stdout).toBe('- name: app\n  tags:\n    - from-archive\n    - v1\n');
  });

  it('reports errors the same way', async () => {
    const result = await runCli(['push', 'oci:./layout:v1', 'local://./store/app'], { cwd: bare, script: exe });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: local:\/\/\.\/store\/app has no tag; push needs one\n/);
  });

  it('loads a third-party plugin named by path in S3LO_PLUGINS', async () => {
    const memfs = join(bare, 'memfs-root');
    const env = { S3LO_PLUGINS: FIXTURE_PLUGIN, S3LO_MEMFS_ROOT: memfs };
    const pushed = await runCli(['push', 'oci:./layout:v1', 'memfs://bucket-a/team/app:v1'], { cwd: bare, script: exe, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = await runCli(['list', 'memfs://bucket-a', '-o', 'json'], { cwd: bare, script: exe, env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ name: 'team/app', tags: ['v1'] }]);
  });
});

// What makes the bundle start fast, by structure (no timing): the files a
// command reads. esbuild marks each bundled module with a `// <path>`
// comment, so a chunk's text says which packages are in it.
describe('start-up: what the bundle loads', () => {
  const RECORDER = resolve(import.meta.dirname, '../../cli/test/fixtures/record-loads.mjs');

  async function loadedText(args: readonly string[]): Promise<{ code: number | null; files: number; text: string }> {
    const out = join(bare, `loads-${Math.random().toString(36).slice(2)}.json`);
    const child = spawn(process.execPath, ['--import', RECORDER, exe, ...args], { cwd: bare, env: cleanEnv({ S3LO_TEST_LOADS: out }), stdio: 'ignore' });
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', fail);
      child.on('close', done);
    });
    const files = (JSON.parse(await readFile(out, 'utf8')) as string[]).filter((u) => u.startsWith('file:')).map((u) => new URL(u).pathname);
    expect(files.every((f) => f.startsWith(join(bare, 'dist')))).toBe(true);
    const texts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    return { code, files: files.length, text: texts.join('\n') };
  }

  const AWS = /^\/\/ .*@aws-sdk|^\/\/ .*backend-s3\//m;
  const GOOGLE = /^\/\/ .*@google-cloud|^\/\/ .*backend-gcs\//m;
  const AZURE = /^\/\/ .*@azure\/|^\/\/ .*backend-azure\//m;
  const YAML = /^\/\/ .*\/yaml@/m;
  const LIBRARY = /^\/\/ .*\/core\/dist\//m;

  it('--version and --help read no library, AWS, Google Cloud or Azure SDK, or YAML', async () => {
    for (const args of [['--version'], ['--help']]) {
      const { code, text } = await loadedText(args);
      expect(code).toBe(0);
      expect(text).not.toMatch(AWS);
      expect(text).not.toMatch(GOOGLE);
      expect(text).not.toMatch(AZURE);
      expect(text).not.toMatch(YAML);
      expect(text).not.toMatch(LIBRARY);
    }
  });

  it('a local:// list reads the library and the local backend, no AWS, Google Cloud or Azure SDK, or YAML', async () => {
    await runCli(['push', 'oci:./layout:v1', 'local://./lazy/app:v1', '-q'], { cwd: bare, script: exe });
    const { code, text } = await loadedText(['list', 'local://./lazy']);
    expect(code).toBe(0);
    expect(text).toMatch(LIBRARY);
    expect(text).toMatch(/^\/\/ .*backend-local\//m);
    expect(text).not.toMatch(AWS);
    expect(text).not.toMatch(GOOGLE);
    expect(text).not.toMatch(AZURE);
    expect(text).not.toMatch(YAML);
  });
});
