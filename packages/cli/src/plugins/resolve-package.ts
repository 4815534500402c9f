import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

// The conditions Node's ESM loader uses for `import()`: plugins are loaded
// with import(), so their "import" entry is the right one.
const CONDITIONS = ['node', 'import', 'default'];

/** Where a plugin package was found. */
export interface ResolvedPackage {
  /** The package directory (symlinks resolved). */
  readonly dir: string;
  /** The file `import()` should load. */
  readonly entry: string;
}

/**
 * The directories searched for plugin packages, in order: `node_modules` of
 * the working directory and of each parent (Node's own lookup from there),
 * then NODE_PATH's directories, then the global prefix
 * (`<prefix>/lib/node_modules`, `<prefix>/node_modules` on Windows), where
 * `npm install -g` puts packages.
 */
export function pluginSearchPath(cwd: string, env: Readonly<Record<string, string | undefined>>, execPath: string): string[] {
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (!dir.endsWith(`${sep}node_modules`)) dirs.push(join(dir, 'node_modules'));
    if (dirname(dir) === dir) break;
  }
  for (const entry of (env['NODE_PATH'] ?? '').split(delimiter)) if (entry !== '') dirs.push(resolve(cwd, entry));
  const prefix = env['npm_config_prefix'] ?? (process.platform === 'win32' ? dirname(execPath) : dirname(dirname(execPath)));
  dirs.push(process.platform === 'win32' ? join(prefix, 'node_modules') : join(prefix, 'lib', 'node_modules'));
  return [...new Set(dirs)];
}

/**
 * Finds an installed package by name in the search path. We do not use
 * `require.resolve` (it applies the "require" condition, and ESM-only
 * packages, like ours, export no such entry) nor `import.meta.resolve`
 * (resolving from another directory needs a flag); packages are looked up
 * as Node would, and the "." entry of `exports` is read with Node's ESM
 * conditions.
 */
export function findPackage(name: string, searchPath: readonly string[]): ResolvedPackage | undefined {
  for (const dir of searchPath) {
    const candidate = join(dir, ...name.split('/'));
    if (!existsSync(join(candidate, 'package.json'))) continue;
    const real = realpathSync(candidate);
    return { dir: real, entry: packageEntry(real, name) };
  }
  return undefined;
}

/**
 * Every installed package the CLI would load for a scheme by its name
 * (`@s3lo/backend-<scheme>`, `s3lo-backend-<scheme>`; see PluginHost), in
 * the search path, the first of each name. A package whose keywords say it
 * is something else (the conformance kit, `s3lo-conformance`) is not a
 * plugin; one without `s3lo-backend` among its keywords still is, as the
 * CLI would load it. Reads directories: for `version -v`, never on the way
 * to running a command.
 */
export function findConventionPackages(searchPath: readonly string[]): { name: string; found: ResolvedPackage }[] {
  const names: string[] = [];
  for (const dir of searchPath) {
    for (const entry of listDir(dir)) {
      if (/^s3lo-backend-./.test(entry)) names.push(entry);
      if (entry === '@s3lo') for (const scoped of listDir(join(dir, entry))) if (/^backend-./.test(scoped)) names.push(`@s3lo/${scoped}`);
    }
  }
  const out: { name: string; found: ResolvedPackage }[] = [];
  for (const name of [...new Set(names)].sort()) {
    const dir = searchPath.map((d) => join(d, ...name.split('/'))).find((d) => existsSync(join(d, 'package.json')));
    if (dir === undefined) continue;
    let keywords: unknown;
    try {
      keywords = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { keywords?: unknown }).keywords;
    } catch {
      keywords = undefined;
    }
    if (
      Array.isArray(keywords) &&
      keywords.length > 0 &&
      !keywords.includes('s3lo-backend') &&
      keywords.some((k) => typeof k === 'string' && /^s3lo-(conformance|transport|scanner)$/.test(k))
    )
      continue;
    try {
      const found = findPackage(name, searchPath);
      if (found !== undefined) out.push({ name, found });
    } catch {
      // An unreadable package.json or exports: `version -v` cannot load it either way.
    }
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * A plugin named by path in S3LO_PLUGINS (`./my-plugin`, `/opt/p/index.js`):
 * a package directory or a module file, relative to the working directory.
 */
export function resolvePath(text: string, cwd: string): ResolvedPackage | undefined {
  const path = resolve(cwd, text);
  if (!existsSync(path)) return undefined;
  const real = realpathSync(path);
  if (statSync(real).isDirectory()) return { dir: real, entry: packageEntry(real, text) };
  return { dir: dirname(real), entry: real };
}

/** True when an S3LO_PLUGINS entry is a path rather than a package name. */
export function isPathSpecifier(text: string): boolean {
  return text.startsWith('.') || isAbsolute(text);
}

function packageEntry(dir: string, name: string): string {
  let manifest: { exports?: unknown; main?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof manifest;
  } catch (error) {
    throw new Error(`cannot read ${join(dir, 'package.json')} of ${name}: ${(error as Error).message}`);
  }
  const target = manifest.exports === undefined ? undefined : exportTarget(rootExport(manifest.exports));
  if (manifest.exports !== undefined && target === undefined) {
    throw new Error(`${name} exports no "." entry for import() (conditions ${CONDITIONS.join(', ')})`);
  }
  const relativeEntry = target ?? (typeof manifest.main === 'string' ? manifest.main : 'index.js');
  const entry = resolve(dir, relativeEntry);
  // A package.json is input from whoever published it: its entry stays inside the package.
  const inside = relative(dir, entry);
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`${name} points its entry outside its package (${relativeEntry})`);
  return entry;
}

function rootExport(exports: unknown): unknown {
  if (typeof exports === 'string' || Array.isArray(exports) || exports === null || typeof exports !== 'object') return exports;
  const keys = Object.keys(exports);
  if (keys.some((k) => k.startsWith('.'))) return (exports as Record<string, unknown>)['.'];
  return exports;
}

function exportTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = exportTarget(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (target === null || typeof target !== 'object') return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (!CONDITIONS.includes(condition)) continue;
    const found = exportTarget(value);
    if (found !== undefined) return found;
  }
  return undefined;
}
