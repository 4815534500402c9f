import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchProject, packPackage, repoRoot, run, type ScratchProject } from '@s3lo/packed-tests';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a plugin author gets from npm: @s3lo/core, @s3lo/backend-conformance
// and the example plugin packed as they would be published (`pnpm pack`),
// installed with npm into a project outside the repository (no workspace
// links, no hoisted copy to fall back on), and the example's conformance test
// run there against the installed plugin. Only vitest comes from the registry.

const repo = repoRoot;
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
let project: ScratchProject;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 's3lo-plugin-guide-'));
  const tarballs: string[] = [];
  for (const dir of Object.values(packages)) tarballs.push(await packPackage(dir, scratch));
  const vitestVersion = JSON.parse(await readFile(join(repo, 'packages', 'testing', 'plugin-guide', 'node_modules', 'vitest', 'package.json'), 'utf8')).version;
  project = await createScratchProject({ tarballs, registryPackages: [`vitest@${vitestVersion}`] });
  // The example's own test, importing the installed package instead of its sources.
  const test = await readFile(join(packages['s3lo-backend-memory'], 'test', 'conformance.test.ts'), 'utf8');
  if (!test.includes("from '../src/index.js'")) throw new Error("the example's test no longer imports '../src/index.js': update this test");
  await project.write(join('test', 'conformance.test.ts'), test.replace("from '../src/index.js'", "from 's3lo-backend-memory'"));
  // The guide's library snippet, run as it is written (it is plain JavaScript).
  const guide = await readFile(join(repo, 'docs', 'plugin-authors.md'), 'utf8');
  const snippet = /<!-- scratch-run: [^>]* -->\n```ts\n([\s\S]*?)^```$/m.exec(guide)?.[1];
  if (snippet === undefined) throw new Error('docs/plugin-authors.md has no <!-- scratch-run --> block');
  await project.write('usage.mjs', snippet);
}, 600_000);

afterAll(async () => {
  await project?.remove();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('the example plugin, packed and installed with npm outside the repository', () => {
  it('resolves one copy of @s3lo/core, shared by the plugin and the suite (a peer, not a private dependency)', () => {
    expect(existsSync(join(project.dir, 'node_modules', '@s3lo', 'core', 'package.json')), 'node_modules/@s3lo/core').toBe(true);
    for (const name of ['s3lo-backend-memory', '@s3lo/backend-conformance']) {
      expect(existsSync(join(project.dir, 'node_modules', name, 'node_modules', '@s3lo', 'core')), `a private @s3lo/core under ${name}`).toBe(false);
    }
  });

  it('installs the manifests the guide shows: the peer range on core spans the 0.x line', async () => {
    const manifest = JSON.parse(await readFile(join(project.dir, 'node_modules', 's3lo-backend-memory', 'package.json'), 'utf8'));
    expect(manifest.peerDependencies).toEqual({ '@s3lo/core': '>=0.1.0 <1' });
    const kit = JSON.parse(await readFile(join(project.dir, 'node_modules', '@s3lo', 'backend-conformance', 'package.json'), 'utf8'));
    expect(kit.private, '@s3lo/backend-conformance is public').toBeUndefined();
    expect(kit.peerDependencies['@s3lo/core']).toBe('>=0.1.0 <1');
  });

  it("runs the guide's library snippet: register the plugin, list a memory:// bucket", async () => {
    const usage = await project.node(['usage.mjs']);
    expect(usage.stderr).toBe('');
    expect(usage.stdout.trim()).toBe('[]');
  });

  it('passes the published conformance suite', async () => {
    const reportFile = join(scratch, 'report.json');
    const vitest = await run(join(project.dir, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=json', `--outputFile=${reportFile}`], {
      cwd: project.dir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    // Failing tests make vitest exit 1: the report says which.
    if (!existsSync(reportFile)) throw new Error(`vitest wrote no report (exit ${vitest.code}):\n${vitest.stderr}\n${vitest.stdout}`.slice(0, 20_000));
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
