import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
const example = join(repo, 'examples', 'backend-memory');
const guide = readFileSync(join(repo, 'docs', 'plugin-authors.md'), 'utf8');

/** The guide's blocks marked `<!-- example-file: <path> -->`, by path. */
function exampleBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const pattern = /<!-- example-file: (\S+) -->\n```[a-z]*\n([\s\S]*?)^```$/gm;
  for (const [, path, body] of markdown.matchAll(pattern)) {
    if (blocks.has(path!)) throw new Error(`the guide shows ${path} twice`);
    blocks.set(path!, body!);
  }
  return blocks;
}

/** Every file of the example package that is its source: what git tracks or would track (not dist/, node_modules/, .turbo/). */
function exampleFiles(dir: string): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '.'], { cwd: dir, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((path) => path !== '' && existsSync(join(dir, path)))
    .sort();
}

/**
 * The package.json as an author publishes it: the repository's copy is
 * private (it is never published from here) and names the workspace's
 * packages with `workspace:` ranges, which `pnpm pack` turns into real ones:
 * `workspace:^` into `^<version>`, `workspace:<range>` into `<range>`.
 */
function asPublished(manifest: string): string {
  const json = JSON.parse(manifest) as Record<string, unknown>;
  delete json['private'];
  const versions: Record<string, string> = {
    '@s3lo/core': JSON.parse(readFileSync(join(repo, 'packages', 'core', 'package.json'), 'utf8')).version,
    '@s3lo/backend-conformance': JSON.parse(readFileSync(join(repo, 'packages', 'backend-conformance', 'package.json'), 'utf8')).version,
  };
  for (const field of ['peerDependencies', 'devDependencies', 'dependencies']) {
    const deps = json[field] as Record<string, string> | undefined;
    for (const [name, range] of Object.entries(deps ?? {})) {
      if (range === 'workspace:^') deps![name] = `^${versions[name] ?? '(not a workspace package this test knows)'}`;
      else if (range.startsWith('workspace:')) deps![name] = range.slice('workspace:'.length);
    }
  }
  return `${JSON.stringify(json, null, 2)}\n`;
}

describe('docs/plugin-authors.md', () => {
  const blocks = exampleBlocks(guide);

  it('shows every file of examples/backend-memory, and no other', () => {
    expect([...blocks.keys()].sort()).toEqual(exampleFiles(example).filter((path) => path !== 'README.md'));
  });

  for (const [path, body] of blocks) {
    it(`shows ${path} exactly as it is in the example`, () => {
      const file = readFileSync(join(example, path), 'utf8');
      expect(body).toBe(path === 'package.json' ? asPublished(file) : file);
    });
  }
});
