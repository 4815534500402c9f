import { execFile } from 'node:child_process';
import { cp, readFile, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { STANDALONE, cleanEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { makeImage, type MadeImage } from './helpers/images.js';

// The single-file executable, copied alone into an empty directory (no
// node_modules anywhere up the tree of the temp dir): every built-in
// backend and transport must be inside it.
let bare: string;
let exe: string;
let img: MadeImage;

beforeAll(async () => {
  bare = await tempDir('s3lo-standalone-');
  exe = join(bare, 's3lo.mjs');
  await cp(STANDALONE, exe);
  img = await makeImage(join(bare, 'layout'));
});

describe('dist/standalone/s3lo.mjs', () => {
  it('is one executable file with a node shebang', async () => {
    expect((await readFile(STANDALONE, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((await stat(STANDALONE)).mode & 0o111).not.toBe(0);
  });

  it('runs by itself and through a symlink named s3lo (how the README installs it)', async () => {
    await symlink(exe, join(bare, 's3lo'));
    const env = cleanEnv({ PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` });
    const { stdout } = await promisify(execFile)(join(bare, 's3lo'), ['version', '-o', 'json'], { cwd: bare, env });
    const version = JSON.parse(stdout) as { plugins: { name: string }[] };
    expect(version.plugins.map((p) => p.name)).toEqual(['@s3lo/backend-local', '@s3lo/backend-s3', '@s3lo/transport-archive']);
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
});
