// Sums the JSON reports vitest wrote for each package (see vitest.shared.ts)
// into one closing line, so a reader of the whole run sees one total. A
// package that has a test script but wrote no report counts as a failure:
// its tests did not run, or did not report.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const repo = join(import.meta.dirname, '..');
const dir = join(repo, '.test-results');
const packageDirs = ['packages', 'packages/testing'].flatMap((parent) =>
  readdirSync(join(repo, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(repo, parent, entry.name, 'package.json')))
    .map((entry) => join(repo, parent, entry.name)),
);
const tested = packageDirs.filter((d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).scripts?.test).map((d) => basename(d));

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const name of tested.sort()) {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) {
    failed += 1;
    rows.push(`  ${name.padEnd(28)} NO REPORT (its tests did not run)`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  rows.push(`  ${name.padEnd(28)} ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`);
}
console.log(`\nTest results by package:\n${rows.join('\n')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0) process.exitCode = 1;
