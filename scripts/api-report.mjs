// The API report: for every public entry point (scripts/lib/public-entry-points.mjs)
// API Extractor writes the public surface of its built .d.ts to
// packages/<dir>/etc/<name>.api.md, committed, so that a change of the public
// API shows in review as a diff of that file.
//
//   pnpm api-report          rewrite the reports from the built packages
//   pnpm api-report --check  fail when a committed report differs from the
//                            built code (CI), showing the difference
//
// Both need the packages built (`pnpm build`). Only the report is used: docs
// and links are checked by TypeDoc (pnpm api-docs), and release tags (@beta, ...)
// are not used here, so API Extractor's messages about those are off, and its
// `// @public` and `// (undocumented)` lines are dropped from the reports (a
// method documented on the interface it implements reads as undocumented to
// API Extractor, not to TypeDoc). API Extractor writes every report to a
// temporary folder; this script compares or copies it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { publicEntryPoints, root } from './lib/public-entry-points.mjs';

const check = process.argv.includes('--check');
const UPDATE = 'pnpm build && pnpm api-report';
const tempRoot = join(root, 'node_modules', '.cache', 's3lo-api-report');
rmSync(tempRoot, { recursive: true, force: true });

/** `@s3lo/core` + `./ref` → `core.ref.api.md` */
const reportName = (entry) => `${entry.packageName.replace(/^@[^/]+\//, '')}${entry.subpath === '.' ? '' : `.${entry.subpath.slice(2).replaceAll('/', '.')}`}.api.md`;

const problems = [];
const expected = new Map();
for (const entry of publicEntryPoints()) {
  if (!existsSync(entry.declaration)) {
    problems.push(`${entry.name}: ${relative(root, entry.declaration)} is not built; run \`pnpm build\` first`);
    continue;
  }
  const reportFolder = join(entry.packageDir, 'etc');
  const tempFolder = join(tempRoot, basename(entry.packageDir));
  mkdirSync(reportFolder, { recursive: true });
  mkdirSync(tempFolder, { recursive: true });
  const fileName = reportName(entry);
  expected.set(join(reportFolder, fileName), entry);
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: entry.packageDir,
      mainEntryPointFilePath: entry.declaration,
      compiler: {
        overrideTsconfig: { compilerOptions: { target: 'ES2024', lib: ['ES2024'], module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], strict: true, skipLibCheck: true } },
      },
      apiReport: { enabled: true, reportFileName: fileName, reportFolder: tempFolder, reportTempFolder: tempFolder, includeForgottenExports: true },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        extractorMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
        tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
      },
    },
    configObjectFullPath: join(entry.packageDir, 'api-extractor.json'),
    packageJsonFullPath: join(entry.packageDir, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback: (message) => {
      // Errors (the .d.ts does not compile) are shown; the chatter is not.
      if (message.logLevel !== 'error') message.handled = true;
    },
  });
  if (result.errorCount > 0) {
    problems.push(`${entry.name}: API Extractor reported ${result.errorCount} error(s) (above)`);
    continue;
  }
  const built = join(tempFolder, fileName);
  const text = readFileSync(built, 'utf8').replace(/^[ \t]*\/\/ (?:@public(?: \(undocumented\))?|\(undocumented\))\n/gm, '');
  writeFileSync(built, text);
  const committed = join(reportFolder, fileName);
  const same = existsSync(committed) && readFileSync(committed, 'utf8') === text;
  if (!check) {
    if (!same) copyFileSync(built, committed);
  } else if (!same) {
    problems.push(`${entry.name}: ${relative(root, committed)} ${existsSync(committed) ? 'differs from the built code' : 'is missing'}`);
    spawnSync(
      'diff',
      ['-u', '--label', `${relative(root, committed)} (committed)`, '--label', `${relative(root, committed)} (built)`, existsSync(committed) ? committed : '/dev/null', built],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
  }
}

// A report whose entry point is gone (a subpath or package removed).
for (const pkgDir of new Set([...expected.values()].map((e) => e.packageDir))) {
  for (const file of readdirSync(join(pkgDir, 'etc')).filter((f) => f.endsWith('.api.md'))) {
    const path = join(pkgDir, 'etc', file);
    if (expected.has(path)) continue;
    if (check) problems.push(`${relative(root, path)} reports an entry point that no longer exists`);
    else rmSync(path);
  }
}

if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`api report: ${problem}\n`);
  if (check) process.stderr.write(`api report: the public API changed. If that is intended, run \`${UPDATE}\` and commit packages/*/etc/*.api.md.\n`);
  process.exit(1);
}
process.stderr.write(`api report: ${expected.size} entry points ${check ? 'match their committed reports' : 'written to packages/*/etc/'}\n`);
