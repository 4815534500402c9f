#!/usr/bin/env node
// `prepack` of every public package: refuse to pack a package whose build is
// missing or older than its sources, so neither `pnpm pack`, `npm pack` nor
// `pnpm publish` can ship a tarball without `dist` (a fresh clone has none)
// or with a `dist` that no longer matches `src`.
//
// A check rather than a build in `prepack`: a package's build needs its
// workspace dependencies built first (declarations of @s3lo/core), which turbo
// orders and caches and a per-package `prepack` cannot; and `pnpm -r publish`
// would rebuild everything once more, serially. The message says what to run.
//
// Runs in the package's directory (npm and pnpm run lifecycle scripts there).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const pkgDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const fix = 'run `pnpm turbo run build` at the repository root, then pack again';
// Turbo replays a cached build when the sources' contents are unchanged and
// may leave an up-to-date dist's times alone: after a mere `touch` or a
// checkout back and forth only a forced build gives dist newer times.
const forced = `run \`pnpm turbo run build --force --filter=${pkg.name}...\` at the repository root, then pack again`;

/** Every file the package.json points at: main, types, bin and all export targets. */
function targets() {
  const found = new Set();
  const add = (value) => {
    if (typeof value === 'string') {
      if (value !== './package.json') found.add(value);
    } else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) add(inner);
    }
  };
  add(pkg.main);
  add(pkg.types);
  add(pkg.bin);
  add(pkg.exports);
  return [...found];
}

/** The newest file under `dir`, as [path, mtimeMs]; undefined for no file. */
function newest(dir) {
  let best;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const mtime = statSync(path).mtimeMs;
    if (!best || mtime > best[1]) best = [path, mtime];
  }
  return best;
}

const missing = targets().filter((target) => !existsSync(join(pkgDir, target)));
if (missing.length > 0) {
  console.error(`${pkg.name}: not built (missing ${missing.join(', ')}): ${fix}.`);
  process.exit(1);
}
// scripts/check-release.sh packs right after `turbo run build`, whose cache
// keys are the sources' contents: there a file time newer than dist (a
// checkout back and forth, a touch) is no sign of a stale build.
const builtByTurbo = process.env.S3LO_BUILT_BY_TURBO === '1';
const src = join(pkgDir, 'src');
const latest = existsSync(src) && !builtByTurbo ? newest(src) : undefined;
if (latest) {
  const stale = targets().filter((target) => statSync(join(pkgDir, target)).mtimeMs < latest[1]);
  if (stale.length > 0) {
    const changed = latest[0].slice(pkgDir.length + 1);
    console.error(`${pkg.name}: the build is older than ${changed} (${stale.join(', ')}): ${forced}.`);
    process.exit(1);
  }
}
