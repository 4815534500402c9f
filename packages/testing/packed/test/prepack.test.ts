import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { repoRoot, run } from '../src/index.js';

// scripts/check-built.mjs, every public package's prepack, on a package made
// here: file times are set explicitly, nothing waits for a clock.
let dir: string;
const checkBuilt = () => run(process.execPath, [join(repoRoot, 'scripts/check-built.mjs')], { cwd: dir });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3lo-prepack-'));
  const exports = { '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' }, './package.json': './package.json' };
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: '@s3lo/example', type: 'module', exports }));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src/index.ts'), 'export const a = 1;\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function build(): Promise<void> {
  await mkdir(join(dir, 'dist'), { recursive: true });
  await writeFile(join(dir, 'dist/index.js'), 'export const a = 1;\n');
  await writeFile(join(dir, 'dist/index.d.ts'), 'export declare const a = 1;\n');
}

describe('prepack (scripts/check-built.mjs)', () => {
  test('refuses a package without dist and says to build', async () => {
    const result = await checkBuilt();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('@s3lo/example: not built (missing ./dist/index.d.ts, ./dist/index.js)');
    expect(result.stderr).toContain('pnpm turbo run build');
  });

  test('refuses a dist older than a source file and names the file', async () => {
    await build();
    const older = new Date('2026-01-01T00:00:00Z');
    await utimes(join(dir, 'dist/index.js'), older, older);
    const result = await checkBuilt();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('@s3lo/example: the build is older than src/index.ts (./dist/index.js)');
    expect(result.stderr).toContain('pnpm turbo run build --force --filter=@s3lo/example...');
  });

  test('lets a built package be packed', async () => {
    await build();
    const older = new Date('2026-01-01T00:00:00Z');
    await utimes(join(dir, 'src/index.ts'), older, older);
    const result = await checkBuilt();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
