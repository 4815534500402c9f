// The public API of the workspace, found rather than listed: every workspace
// package without "private": true (pnpm's own listing), and each subpath of
// its package.json "exports" that has a "types" condition. The API docs
// (scripts/api-docs.mjs) and the API report (scripts/api-report.mjs) both
// start here, so a package added to the workspace is covered by both.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publicPackages } from './workspace-packages.mjs';

export const root = join(import.meta.dirname, '..', '..');

/**
 * @typedef {object} EntryPoint
 * @property {string} packageName  `@s3lo/core`
 * @property {string} packageDir   absolute directory of the package
 * @property {string} subpath      `.` or `./ref`
 * @property {string} name         the import specifier: `@s3lo/core/ref`
 * @property {string} declaration  absolute path of the built `.d.ts`
 * @property {string} source       absolute path of the `.ts` it is built from
 */

/**
 * Every public entry point. The source of `./dist/x/index.d.ts` is
 * `./src/x/index.ts` (how every package here builds); a package laid out
 * otherwise fails here by name instead of being skipped.
 * @returns {EntryPoint[]}
 */
export function publicEntryPoints() {
  const entries = [];
  for (const pkg of [...publicPackages(root)].sort((a, b) => a.name.localeCompare(b.name))) {
    const exportsMap = typeof pkg.pkg.exports === 'object' && pkg.pkg.exports !== null ? pkg.pkg.exports : {};
    for (const [subpath, target] of Object.entries(exportsMap)) {
      if (subpath === './package.json') continue;
      const types = typesOf(target);
      if (types === undefined) {
        throw new Error(`${pkg.name}: export "${subpath}" has no "types" condition; every public entry point needs one (scripts/lib/public-entry-points.mjs)`);
      }
      const declaration = join(pkg.dir, types);
      const source = join(pkg.dir, types.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts'));
      if (!existsSync(source)) {
        throw new Error(
          `${pkg.name}: the "types" of export "${subpath}" (${types}) has no source at ${relative(root, source)}; scripts/lib/public-entry-points.mjs maps ./dist/X.d.ts to ./src/X.ts`,
        );
      }
      entries.push({ packageName: pkg.name, packageDir: pkg.dir, subpath, name: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`, declaration, source });
    }
  }
  return entries;
}

/**
 * The `types` file of an export target, however its conditions nest
 * (`{ types, import }` or `{ import: { types, default } }`): the first found.
 * @param {unknown} target
 * @returns {string | undefined}
 */
function typesOf(target) {
  if (typeof target !== 'object' || target === null) return undefined;
  if (typeof target.types === 'string') return target.types;
  for (const value of Object.values(target)) {
    const found = typesOf(value);
    if (found !== undefined) return found;
  }
  return undefined;
}
