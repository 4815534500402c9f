#!/usr/bin/env node
// Checks every public workspace package the way npm will see it: packs each
// one (its `prepack` refuses an unbuilt or stale dist), then checks the
// tarball: LICENSE identical to the repository's, a README, the metadata of
// docs/releasing.md, an export map that CommonJS can `require` (a `default`
// beside every `import`), source maps that point only at shipped files,
// publint (warnings count as errors) and Are the Types Wrong? (profile
// `esm-only`, see docs/releasing.md). Prints every problem, exits 1 on any.
//
// Usage: node scripts/check-packages.mjs   (after `pnpm turbo run build`)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { publicPackages } from './lib/workspace-packages.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_URL = 'git+https://github.com/s3lo-ts/s3lo.git';
const BUGS_URL = 'https://github.com/s3lo-ts/s3lo/issues';

/** Problems with package.json fields that do not need the tarball. */
export function metadataProblems({ dir, relDir, pkg }) {
  const problems = [];
  const want = (ok, what) => ok || problems.push(what);
  want(pkg.license === 'Apache-2.0', `"license" is ${JSON.stringify(pkg.license)}, not "Apache-2.0"`);
  want(
    pkg.repository?.type === 'git' && pkg.repository?.url === REPO_URL && pkg.repository?.directory === relDir,
    `"repository" must be { "type": "git", "url": "${REPO_URL}", "directory": "${relDir}" }`,
  );
  want(pkg.homepage === `https://github.com/s3lo-ts/s3lo/tree/main/${relDir}#readme`, `"homepage" must be https://github.com/s3lo-ts/s3lo/tree/main/${relDir}#readme`);
  want(pkg.bugs?.url === BUGS_URL, `"bugs" must be { "url": "${BUGS_URL}" }`);
  want(Array.isArray(pkg.keywords) && pkg.keywords.includes('s3lo'), '"keywords" must include "s3lo"');
  want(typeof pkg.engines?.node === 'string', '"engines.node" is missing');
  const prepack = `node ${relative(dir, join(repoRoot, 'scripts', 'check-built.mjs'))
    .split('\\')
    .join('/')}`;
  want(pkg.scripts?.prepack === prepack, `"scripts.prepack" must be "${prepack}" (refuses to pack an unbuilt dist)`);
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (target && typeof target === 'object' && 'import' in target && target.default !== target.import) {
      problems.push(`exports["${subpath}"] has "import" but no "default" beside it pointing at the same file: require() from CommonJS fails`);
    }
  }
  for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
    if (name.startsWith('@s3lo/') && /^workspace:[\^~*]$/.test(range)) {
      problems.push(`peerDependencies["${name}"] is "${range}": a 0.x caret range forces a major bump on every minor of ${name} (use "workspace:>=0.1.0 <1", see docs/releasing.md)`);
    }
  }
  return problems;
}

/** Problems with the unpacked tarball's files. */
export function contentProblems(unpacked) {
  const problems = [];
  const files = readdirSync(unpacked, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => posix.relative(unpacked, join(entry.parentPath, entry.name).split('\\').join('/')))
    .sort();
  const shipped = new Set(files);
  const license = join(unpacked, 'LICENSE');
  if (!existsSync(license)) problems.push('no LICENSE in the tarball');
  else if (!readFileSync(license).equals(readFileSync(join(repoRoot, 'LICENSE')))) problems.push('LICENSE differs from the repository root LICENSE');
  if (!existsSync(join(unpacked, 'README.md')) || readFileSync(join(unpacked, 'README.md'), 'utf8').trim() === '') problems.push('no README.md in the tarball');
  if (!files.some((file) => file.startsWith('dist/'))) problems.push('no dist/ in the tarball');
  for (const file of files) {
    if (/\.(m|c)?js$|\.d\.(m|c)?ts$/.test(file)) {
      const match = /\/[/*][#@] sourceMappingURL=([^\s*]+)/.exec(readFileSync(join(unpacked, file), 'utf8'));
      if (match && !match[1].startsWith('data:') && !shipped.has(posix.join(posix.dirname(file), match[1]))) {
        problems.push(`${file} names a source map that is not shipped (${match[1]})`);
      }
    }
    if (file.endsWith('.map')) {
      const map = JSON.parse(readFileSync(join(unpacked, file), 'utf8'));
      (map.sources ?? []).forEach((source, i) => {
        const inside = shipped.has(posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', source)));
        if (!inside && typeof map.sourcesContent?.[i] !== 'string') problems.push(`${file} points at ${source}, which is not shipped`);
      });
    }
  }
  return problems;
}

/** publint's messages (warnings and errors) on the tarball, formatted. */
async function publintProblems(tarball) {
  const buffer = readFileSync(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) }, level: 'warning', strict: true });
  return messages.map((message) => `publint: ${formatMessage(message, pkg, { color: false }) ?? message.code}`);
}

/** Are the Types Wrong? on the tarball; its table when it fails. */
function attwProblems(tarball) {
  try {
    execFileSync('pnpm', ['exec', 'attw', tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'], {
      cwd: repoRoot,
      stdio: 'pipe',
      encoding: 'utf8',
    });
    return [];
  } catch (error) {
    return [`attw (--profile esm-only):\n${String(error.stdout ?? '').trim()}\n${String(error.stderr ?? '').trim()}`];
  }
}

/**
 * Packs one public package into `destination` with pnpm (running its
 * prepack) and returns the tarball's path.
 */
export function packPackage(dir, destination) {
  const before = new Set(readdirSync(destination));
  execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
  const made = readdirSync(destination).filter((name) => name.endsWith('.tgz') && !before.has(name));
  if (made.length !== 1) throw new Error(`pnpm pack in ${dir} made ${made.length} tarballs`);
  return join(destination, made[0]);
}

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 's3lo-check-packages-'));
  let failed = false;
  try {
    for (const entry of publicPackages(repoRoot)) {
      const problems = metadataProblems(entry);
      let tarball;
      try {
        tarball = packPackage(entry.dir, scratch);
      } catch (error) {
        problems.push(`cannot pack: ${String(error.stderr ?? error.message).trim()}`);
      }
      if (tarball) {
        const unpacked = join(scratch, entry.relDir.replaceAll('/', '_'));
        mkdirSync(unpacked);
        execFileSync('tar', ['xzf', tarball, '-C', unpacked, '--strip-components=1']);
        problems.push(...contentProblems(unpacked), ...(await publintProblems(tarball)), ...attwProblems(tarball));
      }
      const size = tarball ? `${(readFileSync(tarball).length / 1024).toFixed(1)} kB packed` : 'not packed';
      console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${entry.name} (${entry.relDir}, ${size})`);
      for (const problem of problems) console.error(`     ${entry.name}: ${problem}`);
      failed ||= problems.length > 0;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
