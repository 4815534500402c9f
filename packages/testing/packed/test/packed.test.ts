import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLayout, writeImage, writeIndexJson } from '@s3lo/oci-fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createScratchProject, markdownCodeBlock, packPublicPackages, repoRoot, run, type ScratchProject } from '../src/index.js';

// One pack of every public package and one `npm install` into one project
// outside the repository, shared by every test of this file: the ESM tests
// run at its root ("type": "module"), the CommonJS ones in cjs/ (its own
// package.json says "type": "commonjs"; node_modules is found one level up).
let packDir: string;
let tarballs: Map<string, string>;
let project: ScratchProject;
let manifestDigest: string;

beforeAll(async () => {
  packDir = await mkdtemp(join(tmpdir(), 's3lo-packs-'));
  tarballs = await packPublicPackages(packDir);
  project = await createScratchProject({ tarballs: [...tarballs.values()] });
  // The README pushes `oci:./layout:v1`: an OCI layout with one image.
  const layout = join(project.dir, 'layout');
  await startLayout(layout);
  const parts = await writeImage(layout, [{ name: 'hello.txt', size: 64 * 1024 }], { os: 'linux', architecture: 'amd64' });
  await writeIndexJson(layout, parts.manifest, 'v1');
  manifestDigest = parts.manifest.digest;
  await project.write('cjs/package.json', '{ "type": "commonjs" }\n');
}, 600_000);

afterAll(async () => {
  await project?.remove();
  if (packDir) await rm(packDir, { recursive: true, force: true });
});

describe('the packed packages', () => {
  test('install from npm with real version ranges, a LICENSE, a README and no source maps', async () => {
    expect([...tarballs.keys()]).toEqual(expect.arrayContaining(['@s3lo/core', '@s3lo/backend-local', '@s3lo/backend-s3', '@s3lo/transport-archive', '@s3lo/cli']));
    for (const name of tarballs.keys()) {
      const dir = join(project.dir, 'node_modules', name);
      const manifest = await readFile(join(dir, 'package.json'), 'utf8');
      expect(manifest, `${name}: a workspace: range was published`).not.toContain('workspace:');
      const files = await readdir(dir, { recursive: true });
      expect(files, name).toEqual(expect.arrayContaining(['LICENSE', 'README.md']));
      expect(
        files.filter((file) => file.endsWith('.map')),
        `${name} ships source maps`,
      ).toEqual([]);
    }
    const plugin = JSON.parse(await readFile(join(project.dir, 'node_modules/@s3lo/backend-local/package.json'), 'utf8')) as { peerDependencies: Record<string, string> };
    expect(plugin.peerDependencies['@s3lo/core']).toBe('>=0.1.0 <1');
  });

  test("the README's library example runs as written", async () => {
    const example = await markdownCodeBlock(join(repoRoot, 'README.md'), '## Using the library', 'ts');
    // The example's own results, printed so the test can check them.
    await project.write('readme-example.mjs', `${example}\nconsole.log(JSON.stringify({ digest: pushed.digest, sound: report.sound }));\n`);
    const result = await project.node(['readme-example.mjs']);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1) as string)).toEqual({ digest: manifestDigest, sound: true });
    expect(result.stderr).toContain('copied ');
    expect((await stat(join(project.dir, 'app.tar'))).size).toBeGreaterThan(64 * 1024);
  });

  test("@s3lo/core's README example runs as written", async () => {
    const example = await markdownCodeBlock(join(repoRoot, 'packages/core/README.md'), '## Example', 'ts');
    await project.write('core-readme-example.mjs', example);
    const result = await project.node(['core-readme-example.mjs']);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${manifestDigest} [ { name: 'team/app', tags: [ 'v1' ] } ]`);
  });
});

describe('CommonJS', () => {
  const main = `
const core = require('@s3lo/core');
const ref = require('@s3lo/core/ref');
const oci = require('@s3lo/core/oci');
const storage = require('@s3lo/core/storage');
const image = require('@s3lo/core/image');
const local = require('@s3lo/backend-local').default;
core.registerBackend(local);
core.registerBackend(require('@s3lo/backend-s3').default);
core.registerTransport(require('@s3lo/transport-archive').default);
(async () => {
  const pushed = await image.push('oci:../layout:v1', 'local://./store/team/app:v1');
  const listed = await image.list('local://./store/');
  let missing;
  try {
    await image.inspect('local://./store/team/app:v2');
  } catch (err) {
    missing = core.S3loError.isInstance(err, 'NOT_FOUND') ? 'NOT_FOUND' : String(err);
  }
  // The subpaths and the root's namespaces share one copy of each function.
  const sameModules =
    core.image.push === image.push && core.ref.BucketImageReference === ref.BucketImageReference &&
    core.oci.parseImageManifest === oci.parseImageManifest && core.storage.listAll === storage.listAll;
  console.log(JSON.stringify({ sameModules, digest: pushed.digest, listed, missing }));
})();
`;

  test('require() of @s3lo/core, its subpaths and a plugin works (require(esm), Node >= 22.12)', async () => {
    await project.write('cjs/main.js', main);
    const result = await project.node(['main.js'], { cwd: 'cjs' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ sameModules: true, digest: manifestDigest, listed: [{ name: 'team/app', tags: ['v1'] }], missing: 'NOT_FOUND' });
  });

  test('a Node without require(esm) (22.0 to 22.11) gets ERR_REQUIRE_ESM, as the READMEs say', async () => {
    await project.write('cjs/main.js', main);
    // Node 24 with require(esm) turned off behaves as 22.0-22.11 do by default.
    const result = await project.node(['--no-experimental-require-module', 'main.js'], { cwd: 'cjs' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ERR_REQUIRE_ESM');
  });

  test('TypeScript CommonJS code (module nodenext) type-checks against the shipped declarations', async () => {
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--target', 'es2024', '--types', 'node', '--typeRoots', join(repoRoot, 'node_modules/@types')];
    await project.write(
      'cjs/typed.cts',
      `import core = require('@s3lo/core');
import storage = require('@s3lo/core/storage');
import local = require('@s3lo/backend-local');
const plugin: storage.BackendPlugin = local.default;
core.registerBackend(plugin);
export const isNotFound = (err: unknown): boolean => core.S3loError.isInstance(err, 'NOT_FOUND');
`,
    );
    // Beside it, a file with a real type error: the run must report that one
    // error and nothing else (so it did check, and typed.cts is clean).
    await project.write('cjs/wrong.cts', "import core = require('@s3lo/core');\nexport const n: number = core.S3loError;\n");
    const result = await run(process.execPath, [tsc, ...flags, 'typed.cts', 'wrong.cts'], { cwd: join(project.dir, 'cjs') });
    const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^wrong\.cts\(2,\d+\): error TS2322/);
  });
});
