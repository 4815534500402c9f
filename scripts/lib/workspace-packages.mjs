// The workspace's packages as pnpm sees them (pnpm-workspace.yaml's globs), so
// every release check covers a package another change adds without edits.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every workspace package but the root: name, directory (absolute and
 * relative to the root, with `/`), package.json, and whether it is published.
 *
 * @param {string} root the repository root
 * @returns {{ name: string, dir: string, relDir: string, pkg: Record<string, any>, isPublic: boolean }[]}
 */
export function workspacePackages(root) {
  const listed = JSON.parse(execFileSync('pnpm', ['ls', '-r', '--depth', '-1', '--json'], { cwd: root, encoding: 'utf8' }));
  return listed
    .filter((entry) => entry.path !== root)
    .map((entry) => {
      const pkg = JSON.parse(readFileSync(join(entry.path, 'package.json'), 'utf8'));
      return { name: pkg.name, dir: entry.path, relDir: relative(root, entry.path).split('\\').join('/'), pkg, isPublic: pkg.private !== true };
    })
    .sort((a, b) => a.relDir.localeCompare(b.relDir));
}

/** The published packages of the workspace (those without `"private": true`). */
export function publicPackages(root) {
  return workspacePackages(root).filter((p) => p.isPublic);
}
