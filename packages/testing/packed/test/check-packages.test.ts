import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { repoRoot } from '../src/index.js';

// The per-package rules of scripts/check-packages.mjs (the CI check), on a
// real package.json and on unpacked files made here; packing and publint/attw
// are what the CI run itself exercises.
/** The fields of a package.json these tests edit (the rest passes through). */
interface Manifest {
  exports: { '.': Record<string, string> };
  peerDependencies: Record<string, string>;
  repository: { directory: string };
  scripts: Record<string, string>;
}
interface PackageCheck {
  metadataProblems(entry: { dir: string; relDir: string; pkg: Manifest }): string[];
  contentProblems(unpacked: string): string[];
}
const { metadataProblems, contentProblems } = (await import(pathToFileURL(join(repoRoot, 'scripts/check-packages.mjs')).href)) as PackageCheck;

const relDir = 'packages/backend-local';
const realPackageJson = (): Manifest => JSON.parse(readFileSync(join(repoRoot, relDir, 'package.json'), 'utf8'));

describe('package metadata rules', () => {
  test('a public package of the repository passes', () => {
    expect(metadataProblems({ dir: join(repoRoot, relDir), relDir, pkg: realPackageJson() })).toEqual([]);
  });

  test('an export CommonJS cannot require, a 0.x caret peer range, a wrong directory and a missing prepack are each reported', () => {
    const pkg = realPackageJson();
    delete pkg.exports['.'].default;
    pkg.peerDependencies['@s3lo/core'] = 'workspace:^';
    pkg.repository.directory = 'packages/elsewhere';
    delete pkg.scripts.prepack;
    const problems = metadataProblems({ dir: join(repoRoot, relDir), relDir, pkg });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toContain('"repository" must be');
    expect(problems.join('\n')).toContain('"scripts.prepack" must be "node ../../scripts/check-built.mjs"');
    expect(problems.join('\n')).toContain('exports["."] has "import" but no "default"');
    expect(problems.join('\n')).toContain('peerDependencies["@s3lo/core"] is "workspace:^"');
  });
});

describe('tarball content rules', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's3lo-unpacked-'));
    mkdirSync(join(dir, 'dist'));
    copyFileSync(join(repoRoot, 'LICENSE'), join(dir, 'LICENSE'));
    writeFileSync(join(dir, 'README.md'), '# example\n');
    writeFileSync(join(dir, 'dist/index.js'), 'export const a = 1;\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a LICENSE copy, a README and dist pass', () => {
    expect(contentProblems(dir)).toEqual([]);
  });

  test('a changed LICENSE, no README, a dangling source map comment and a declaration map into src/ are each reported', () => {
    writeFileSync(join(dir, 'LICENSE'), 'MIT\n');
    rmSync(join(dir, 'README.md'));
    writeFileSync(join(dir, 'dist/index.js'), 'export const a = 1;\n//# sourceMappingURL=index.js.map\n');
    writeFileSync(join(dir, 'dist/index.d.ts'), 'export declare const a = 1;\n//# sourceMappingURL=index.d.ts.map\n');
    writeFileSync(join(dir, 'dist/index.d.ts.map'), JSON.stringify({ version: 3, file: 'index.d.ts', sources: ['../src/index.ts'], mappings: '' }));
    expect(contentProblems(dir)).toEqual([
      'LICENSE differs from the repository root LICENSE',
      'no README.md in the tarball',
      'dist/index.d.ts.map points at ../src/index.ts, which is not shipped',
      'dist/index.js names a source map that is not shipped (index.js.map)',
    ]);
  });
});
