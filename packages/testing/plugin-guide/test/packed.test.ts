import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a plugin author gets from npm: @s3lo/core, @s3lo/backend-conformance
// and the example plugin packed as they would be published (`pnpm pack`),
// installed with npm into a project outside the repository (no workspace
// links, no hoisted copy to fall back on), and the example's conformance test
// run there against the installed plugin. Only vitest comes from the registry.

const run = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..', '..', '..');
const packages = {
  '@s3lo/core': join(repo, 'packages', 'core'),
  '@s3lo/backend-conformance': join(repo, 'packages', 'backend-conformance'),
  's3lo-backend-memory': join(repo, 'examples', 'backend-memory'),
} as const;

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

let scratch: string;

async function sh(command: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${stderr ?? ''}\n${stdout ?? ''}`.slice(0, 20_000), { cause: error });
  }
}

/** Packs a workspace package into `dir` and returns the tarball's path. */
async function pack(packageDir: string, dir: string): Promise<string> {
  const before = new Set(await readdir(dir));
  await sh('pnpm', ['pack', '--pack-destination', dir], packageDir);
  const made = (await readdir(dir)).filter((name) => !before.has(name) && name.endsWith('.tgz'));
  if (made.length !== 1) throw new Error(`pnpm pack in ${packageDir} made ${made.length} tarballs: ${made.join(', ')}`);
  return join(dir, made[0]!);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 's3lo-plugin-guide-'));
  const tarballs = join(scratch, 'tarballs');
  const project = join(scratch, 'project');
  await mkdir(tarballs);
  await mkdir(join(project, 'test'), { recursive: true });
  const dependencies: Record<string, string> = {};
  for (const [name, dir] of Object.entries(packages)) dependencies[name] = `file:${await pack(dir, tarballs)}`;
  const vitestVersion = JSON.parse(await readFile(join(repo, 'packages', 'testing', 'plugin-guide', 'node_modules', 'vitest', 'package.json'), 'utf8')).version;
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'scratch-plugin-author', private: true, type: 'module', devDependencies: { ...dependencies, vitest: vitestVersion } }, null, 2)}\n`,
  );
  // The example's own test, importing the installed package instead of its sources.
  const test = await readFile(join(packages['s3lo-backend-memory'], 'test', 'conformance.test.ts'), 'utf8');
  if (!test.includes("from '../src/index.js'")) throw new Error("the example's test no longer imports '../src/index.js': update this test");
  await writeFile(join(project, 'test', 'conformance.test.ts'), test.replace("from '../src/index.js'", "from 's3lo-backend-memory'"));
  // The guide's library snippet, run as it is written (it is plain JavaScript).
  const guide = await readFile(join(repo, 'docs', 'plugin-authors.md'), 'utf8');
  const snippet = /<!-- scratch-run: [^>]* -->\n```ts\n([\s\S]*?)^```$/m.exec(guide)?.[1];
  if (snippet === undefined) throw new Error('docs/plugin-authors.md has no <!-- scratch-run --> block');
  await writeFile(join(project, 'usage.mjs'), snippet);
  await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'], project);
}, 600_000);

afterAll(async () => {
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('the example plugin, packed and installed with npm outside the repository', () => {
  it('resolves one copy of @s3lo/core, shared by the plugin and the suite (a peer, not a private dependency)', () => {
    const project = join(scratch, 'project');
    expect(existsSync(join(project, 'node_modules', '@s3lo', 'core', 'package.json')), 'node_modules/@s3lo/core').toBe(true);
    for (const name of ['s3lo-backend-memory', '@s3lo/backend-conformance']) {
      expect(existsSync(join(project, 'node_modules', name, 'node_modules', '@s3lo', 'core')), `a private @s3lo/core under ${name}`).toBe(false);
    }
  });

  it('installs the manifests the guide shows: workspace ranges became ^versions', async () => {
    const manifest = JSON.parse(await readFile(join(scratch, 'project', 'node_modules', 's3lo-backend-memory', 'package.json'), 'utf8'));
    const core = JSON.parse(await readFile(join(packages['@s3lo/core'], 'package.json'), 'utf8'));
    expect(manifest.peerDependencies).toEqual({ '@s3lo/core': `^${core.version}` });
    const kit = JSON.parse(await readFile(join(scratch, 'project', 'node_modules', '@s3lo', 'backend-conformance', 'package.json'), 'utf8'));
    expect(kit.private, '@s3lo/backend-conformance is public').toBeUndefined();
    expect(kit.peerDependencies['@s3lo/core']).toBe(`^${core.version}`);
  });

  it("runs the guide's library snippet: register the plugin, list a memory:// bucket", async () => {
    expect((await sh(process.execPath, ['usage.mjs'], join(scratch, 'project'))).trim()).toBe('[]');
  });

  it('passes the published conformance suite', async () => {
    const project = join(scratch, 'project');
    const reportFile = join(scratch, 'report.json');
    try {
      await sh(join(project, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=json', `--outputFile=${reportFile}`], project);
    } catch (error) {
      // Failing tests make vitest exit 1: the report says which.
      if (!existsSync(reportFile)) throw error;
    }
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as VitestReport;
    const failures = report.testResults.flatMap((file) => file.assertionResults.filter((test) => test.status === 'failed'));
    expect(failures.map((test) => `${test.fullName}: ${test.failureMessages[0]?.split('\n')[0] ?? ''}`)).toEqual([]);
    // The suite ran in full: every group registered tests, and only the
    // groups of capabilities the example does not claim were skipped.
    expect(report.numPassedTests).toBeGreaterThanOrEqual(70);
    const names = report.testResults.flatMap((file) => file.assertionResults.map((test) => test.fullName));
    expect(names.every((name) => name.startsWith('storage backend conformance: memory'))).toBe(true);
  }, 300_000);
});
