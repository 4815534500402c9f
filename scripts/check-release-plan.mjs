#!/usr/bin/env node
// Fails when the next release would give a package a major bump that none of
// its own changesets asks for.
//
// Changesets bumps a package on its own when a workspace package it depends on
// is released: with a peer dependency on a version that leaves the peer range,
// it forces a MAJOR bump of the dependent (0.1.0 -> 1.0.0 for a 0.x plugin,
// whatever its changesets say). docs/releasing.md says how the repository
// avoids that; this check makes sure it stays avoided.
//
// It runs the real `changeset status --output` in a scratch copy of what the
// release plan reads (the root package.json, pnpm-workspace.yaml, .changeset/
// and every workspace package.json) made into a one-commit git repository:
// `changeset status` asks git what changed since the base branch, and the
// scratch copy answers the same on any checkout (a branch, a worktree, a
// shallow CI clone) without touching the real repository.
//
// Usage: node scripts/check-release-plan.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspacePackages } from './lib/workspace-packages.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Copies what `changeset status` reads from `root` into a new directory under
 * the system's temporary directory and commits it on a `main` branch.
 *
 * @param {string} root the repository to copy
 * @returns {string} the scratch directory (the caller removes it)
 */
export function scratchCopy(root) {
  const scratch = mkdtempSync(join(tmpdir(), 's3lo-release-plan-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(scratch, file));
  cpSync(join(root, '.changeset'), join(scratch, '.changeset'), { recursive: true });
  for (const { relDir } of workspacePackages(root)) {
    mkdirSync(join(scratch, relDir), { recursive: true });
    cpSync(join(root, relDir, 'package.json'), join(scratch, relDir, 'package.json'));
  }
  const git = (...args) => execFileSync('git', args, { cwd: scratch, stdio: 'pipe' });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('-c', 'user.name=release-plan', '-c', 'user.email=release-plan@localhost', 'commit', '--quiet', '--no-gpg-sign', '-m', 'scratch');
  return scratch;
}

/**
 * The release plan of `dir` (a scratch copy), from the repository's own
 * `changeset` command.
 *
 * @param {string} dir
 * @returns {{ changesets: { id: string, releases: { name: string, type: string }[] }[], releases: { name: string, type: string, oldVersion: string, newVersion: string, changesets: string[] }[] }}
 */
export function releasePlan(dir) {
  const bin = join(repoRoot, 'node_modules', '@changesets', 'cli', 'bin.js');
  execFileSync(process.execPath, [bin, 'status', '--output', 'release-plan.json'], { cwd: dir, stdio: 'pipe' });
  return JSON.parse(readFileSync(join(dir, 'release-plan.json'), 'utf8'));
}

/**
 * One line per package the plan bumps at major although none of its own
 * changesets asks for major; empty when the plan is right.
 *
 * @param {ReturnType<typeof releasePlan>} plan
 * @returns {string[]}
 */
export function unintendedMajors(plan) {
  const asked = new Set();
  for (const changeset of plan.changesets) {
    for (const release of changeset.releases) if (release.type === 'major') asked.add(release.name);
  }
  return plan.releases
    .filter((release) => release.type === 'major' && !asked.has(release.name))
    .map((release) => {
      const why = release.changesets.length === 0 ? 'no changeset of its own' : `none of its changesets (${release.changesets.join(', ')}) asks for major`;
      return `${release.name} ${release.oldVersion} -> ${release.newVersion}: ${why}; a workspace package it depends on leaves its range or is its peer (see docs/releasing.md)`;
    });
}

/**
 * Runs the whole check on `root`: scratch copy, optional `edit` of the copy
 * (tests use it to break the plan on purpose), plan, verdict.
 *
 * @param {string} root
 * @param {(scratch: string) => void} [edit]
 * @returns {{ plan: ReturnType<typeof releasePlan>, problems: string[] }}
 */
export function checkReleasePlan(root, edit) {
  const scratch = scratchCopy(root);
  try {
    edit?.(scratch);
    const plan = releasePlan(scratch);
    return { plan, problems: unintendedMajors(plan) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Rewrites one package.json of a scratch copy (for tests). */
export function editPackageJson(scratch, relDir, change) {
  const file = join(scratch, relDir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  change(pkg);
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { plan, problems } = checkReleasePlan(repoRoot);
  const bumped = plan.releases.filter((r) => r.type !== 'none').map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion} (${r.type})`);
  console.log(`release plan: ${bumped.length === 0 ? 'nothing to release' : bumped.join(', ')}`);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`release plan: unintended major bump of ${problem}`);
    process.exit(1);
  }
}
