import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PLUGIN, runCli, runJson, tempDir } from './helpers/cli.js';
import { filesUnder, makeImage, type MadeImage } from './helpers/images.js';

// A third-party backend (packages/testing/cli-plugin-fixture, published
// name s3lo-backend-memfs, scheme memfs://) loaded at run time: named in
// S3LO_PLUGINS, or found by the s3lo-backend-<scheme> convention.
let work: string;
let memfs: string;
let img: MadeImage;

interface Version {
  plugins: { name: string; kind: string; serves: string[]; source: string; path?: string }[];
}

beforeAll(async () => {
  work = await tempDir();
  memfs = join(work, 'memfs-root');
  img = await makeImage(join(work, 'layout'));
});

/** A project directory whose node_modules holds the plugin (a symlink, as pnpm and npm link make). */
async function projectWithPlugin(name = 's3lo-backend-memfs'): Promise<string> {
  const project = await tempDir('s3lo-cli-project-');
  await mkdir(join(project, 'node_modules', ...name.split('/').slice(0, -1)), { recursive: true });
  await symlink(FIXTURE_PLUGIN, join(project, 'node_modules', ...name.split('/')), 'dir');
  return project;
}

describe('S3LO_PLUGINS', () => {
  it('loads a package by name from the working directory and serves its scheme across runs', async () => {
    const project = await projectWithPlugin();
    await cp(join(work, 'layout'), join(project, 'layout'), { recursive: true });
    const env = { S3LO_PLUGINS: 's3lo-backend-memfs', S3LO_MEMFS_ROOT: memfs };
    const pushed = await runJson<{ digest: string }>(['push', 'oci:./layout:v1', 'memfs://bucket-a/team/app:v1'], { cwd: project, env });
    expect(pushed.digest).toBe(img.digest);
    // State lives in the plugin's directory, in the bucket format.
    expect(await filesUnder(join(memfs, 'bucket-a'))).toContain('manifests/team/app/v1/manifest.json');
    // A second process reads what the first wrote.
    expect(await runJson(['list', 'memfs://bucket-a'], { cwd: project, env })).toEqual([{ name: 'team/app', tags: ['v1'] }]);
    const version = await runJson<Version>(['version'], { cwd: project, env });
    expect(version.plugins[0]).toMatchObject({ name: 's3lo-backend-memfs', kind: 'backend', serves: ['memfs'], source: 'S3LO_PLUGINS' });
    expect(version.plugins[0]?.path).toMatch(/cli-plugin-fixture\/index\.js$/);
    // Copy across backends: memfs -> local.
    const copied = await runJson<{ digest: string }>(['copy', 'memfs://bucket-a/team/app:v1', 'local://./store/app:v1'], { cwd: project, env });
    expect(copied.digest).toBe(img.digest);
  });

  it('loads a plugin by path, and from NODE_PATH', async () => {
    const env = { S3LO_PLUGINS: FIXTURE_PLUGIN, S3LO_MEMFS_ROOT: memfs };
    expect((await runCli(['list', 'memfs://bucket-a'], { cwd: work, env })).stdout).toBe('IMAGE     TAGS\nteam/app  v1\n');
    const project = await projectWithPlugin();
    const viaNodePath = await runCli(['list', 'memfs://bucket-a', '-o', 'json'], {
      cwd: work,
      env: { S3LO_PLUGINS: 's3lo-backend-memfs', S3LO_MEMFS_ROOT: memfs, NODE_PATH: join(project, 'node_modules') },
    });
    expect(viaNodePath.code, viaNodePath.stderr).toBe(0);
  });

  it('loads a plugin from the global prefix (npm install -g)', async () => {
    const prefix = await tempDir('s3lo-cli-prefix-');
    await mkdir(join(prefix, 'lib', 'node_modules'), { recursive: true });
    await symlink(FIXTURE_PLUGIN, join(prefix, 'lib', 'node_modules', 's3lo-backend-memfs'), 'dir');
    const result = await runCli(['list', 'memfs://bucket-a', '-o', 'json'], { cwd: work, env: { S3LO_MEMFS_ROOT: memfs, npm_config_prefix: prefix } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ name: 'team/app', tags: ['v1'] }]);
  });

  it('a listed plugin that is not installed is an error saying what to install', async () => {
    const result = await runCli(['list', 'local://./store'], { cwd: work, env: { S3LO_PLUGINS: 's3lo-backend-nowhere' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: plugin s3lo-backend-nowhere \(named in S3LO_PLUGINS\) is not installed\nhint: install it: npm install -g s3lo-backend-nowhere/);
  });
});

describe('the s3lo-backend-<scheme> convention', () => {
  it('an unknown scheme loads s3lo-backend-<scheme> from ./node_modules, also from a subdirectory', async () => {
    const project = await projectWithPlugin();
    await cp(join(work, 'layout'), join(project, 'layout'), { recursive: true });
    const env = { S3LO_MEMFS_ROOT: memfs };
    const pushed = await runCli(['push', 'oci:./layout:v1', 'memfs://bucket-b/app:v1'], { cwd: project, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const sub = join(project, 'deeper', 'still');
    await mkdir(sub, { recursive: true });
    const info = await runJson<{ digest: string }>(['inspect', 'memfs://bucket-b/app:v1'], { cwd: sub, env });
    expect(info.digest).toBe(img.digest);
    const pulled = await runCli(['pull', 'memfs://bucket-b/app:v1', 'oci:./pulled:v1'], { cwd: project, env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await runJson(['stats', 'memfs://bucket-b'], { cwd: project, env })).toMatchObject({ images: 1, tags: 1 });
  });

  it('@s3lo/backend-<scheme> is found the same way', async () => {
    const project = await projectWithPlugin('@s3lo/backend-memfs');
    const result = await runCli(['list', 'memfs://bucket-b', '-o', 'json'], { cwd: project, env: { S3LO_MEMFS_ROOT: memfs } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ name: 'app', tags: ['v1'] }]);
  });

  it('version -v and -o json list the installed packages the convention would load, without being asked for their scheme', async () => {
    const project = await projectWithPlugin();
    // Not plugins: the conformance kit (its keywords say so), an unrelated package.
    for (const [name, keywords] of [
      ['@s3lo/backend-conformance', ['s3lo', 's3lo-conformance']],
      ['left-pad', []],
    ] as const) {
      const dir = join(project, 'node_modules', ...name.split('/'));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, keywords, type: 'module', main: 'index.js' }));
      await writeFile(join(dir, 'index.js'), 'export default {};\n');
    }
    const version = await runJson<Version>(['version'], { cwd: project });
    expect(version.plugins.map((p) => [p.name, p.source])).toEqual([
      ['@s3lo/backend-local', 'built-in'],
      ['@s3lo/backend-s3', 'built-in'],
      ['@s3lo/backend-gcs', 'built-in'],
      ['@s3lo/backend-azure', 'built-in'],
      ['@s3lo/transport-archive', 'built-in'],
      ['s3lo-backend-memfs', 'convention'],
    ]);
    expect(version.plugins.find((p) => p.name === 's3lo-backend-memfs')).toMatchObject({ kind: 'backend', serves: ['memfs'] });
    const text = await runCli(['version', '-v'], { cwd: project });
    expect(text.stdout).toMatch(/^s3lo-backend-memfs +backend +memfs:\/\/ +\S*cli-plugin-fixture\/index\.js$/m);
    // Without -v: one line, and nothing is loaded to print it.
    expect((await runCli(['version'], { cwd: project })).stdout).toMatch(/^s3lo version \S+\n$/);
  });

  it('version -v lists a package found by the convention that cannot be loaded, and says why', async () => {
    const project = await tempDir('s3lo-cli-project-');
    const pkg = join(project, 'node_modules', 's3lo-backend-broken');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 's3lo-backend-broken', type: 'module', main: 'main.js' }));
    await writeFile(join(pkg, 'main.js'), 'throw new Error("boom");\n');
    const result = await runCli(['version', '-v'], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^s3lo-backend-broken +backend +cannot load /m);
    expect(result.stdout).toMatch(/^s3lo-backend-broken: cannot load plugin s3lo-backend-broken from .*main\.js: boom$/m);
  });

  it('a package found by the convention that is not a plugin is an error', async () => {
    const project = await tempDir('s3lo-cli-project-');
    const pkg = join(project, 'node_modules', 's3lo-backend-broken');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 's3lo-backend-broken', type: 'module', exports: { '.': { import: './main.js' } } }));
    await writeFile(join(pkg, 'main.js'), 'export default { hello: "world" };\n');
    const result = await runCli(['list', 'broken://bucket'], { cwd: project });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: s3lo-backend-broken does not export an s3lo plugin/);
  });

  it('a package that serves another scheme is an error', async () => {
    const project = await projectWithPlugin('s3lo-backend-other');
    const result = await runCli(['list', 'other://bucket'], { cwd: project, env: { S3LO_MEMFS_ROOT: memfs } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: s3lo-backend-other \(found at .*\) does not serve other:\/\//);
  });
});
