import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../src/index.js';

// scripts/check-release-plan.mjs, the CI check, run on scratch copies of the
// repository that the tests edit on purpose.
interface Release {
  name: string;
  type: string;
  newVersion: string;
}
interface PlanCheck {
  checkReleasePlan(root: string, edit?: (scratch: string) => void): { plan: { releases: Release[] }; problems: string[] };
  editPackageJson(scratch: string, relDir: string, change: (pkg: { peerDependencies: Record<string, string> }) => void): void;
}
const { checkReleasePlan, editPackageJson } = (await import(pathToFileURL(join(repoRoot, 'scripts/check-release-plan.mjs')).href)) as PlanCheck;

/** Adds a changeset to a scratch copy. */
function addChangeset(scratch: string, id: string, releases: Record<string, 'patch' | 'minor' | 'major'>): void {
  const header = Object.entries(releases).map(([name, type]) => `'${name}': ${type}`);
  writeFileSync(join(scratch, '.changeset', `${id}.md`), `---\n${header.join('\n')}\n---\n\nA change made by a test.\n`);
}

describe('the release-plan check', () => {
  test("passes on the repository's own changesets", () => {
    const { problems } = checkReleasePlan(repoRoot);
    expect(problems).toEqual([]);
  });

  test('a minor of @s3lo/core releases a plugin without changesets of its own at no version bump (its peer range still holds)', () => {
    const { plan, problems } = checkReleasePlan(repoRoot, (scratch) => {
      addChangeset(scratch, 'test-core-minor', { '@s3lo/core': 'minor' });
    });
    expect(problems).toEqual([]);
    expect(plan.releases.find((r) => r.name === '@s3lo/core')?.type).toBe('minor');
    expect(plan.releases.filter((r) => r.type === 'major')).toEqual([]);
  });

  test('fails on a plugin whose peer range is a 0.x caret (workspace:^) when @s3lo/core has a minor', () => {
    const { problems } = checkReleasePlan(repoRoot, (scratch) => {
      addChangeset(scratch, 'test-core-minor', { '@s3lo/core': 'minor' });
      editPackageJson(scratch, 'packages/backend-local', (pkg) => {
        pkg.peerDependencies['@s3lo/core'] = 'workspace:^';
      });
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^@s3lo\/backend-local 0\.\d+\.\d+ -> 1\.0\.0: /);
  });

  test('fails when changesets may bump peer dependents without their range being left (the option off)', () => {
    const { problems } = checkReleasePlan(repoRoot, (scratch) => {
      addChangeset(scratch, 'test-core-minor', { '@s3lo/core': 'minor' });
      const file = join(scratch, '.changeset', 'config.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      delete config.___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH;
      writeFileSync(file, JSON.stringify(config));
    });
    expect(problems.join('\n')).toContain('@s3lo/backend-local');
    expect(problems.join('\n')).toContain('@s3lo/transport-archive');
  });

  test('passes a major that a changeset asks for', () => {
    const { plan, problems } = checkReleasePlan(repoRoot, (scratch) => {
      addChangeset(scratch, 'test-local-major', { '@s3lo/backend-local': 'major' });
    });
    expect(problems).toEqual([]);
    expect(plan.releases.find((r) => r.name === '@s3lo/backend-local')?.newVersion).toBe('1.0.0');
  });
});
