/**
 * What a user of the published packages gets, for tests: the repository's
 * public packages packed as npm would publish them (`pnpm pack`, which runs
 * each package's prepack check), and a project outside the repository (under
 * the system's temporary directory) that installs those tarballs with npm,
 * so nothing resolves through the workspace's symlinks or hoisting.
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

/** The repository root (this file is in packages/testing/packed/{src,dist}). */
export const repoRoot = resolve(import.meta.dirname, '../../../..');

/** How a command ended; `run` never throws on a non-zero exit. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` with `args` in `cwd` and collects its output.
 *
 * @example
 * const { code, stderr } = await run(process.execPath, ['main.cjs'], { cwd: project.dir });
 */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((done) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Like {@link run}, but a non-zero exit throws with the command's output. */
async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, { cwd });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** A public (published) workspace package. */
export interface PublicPackage {
  readonly name: string;
  readonly dir: string;
}

/**
 * The workspace's packages without `"private": true`, as pnpm lists them, so
 * a package added later is covered without edits.
 */
export async function publicPackages(root: string = repoRoot): Promise<PublicPackage[]> {
  const listed = JSON.parse(await mustRun('pnpm', ['ls', '-r', '--depth', '-1', '--json'], root)) as { name: string; path: string; private?: boolean }[];
  return listed.filter((p) => p.path !== root && p.private !== true).map((p) => ({ name: p.name, dir: p.path }));
}

/**
 * Packs every public package into `destination` with `pnpm pack` (the
 * `workspace:` ranges become real ones, and each package's prepack refuses an
 * unbuilt or stale dist) and returns each package's tarball by name.
 *
 * @example
 * const tarballs = await packPublicPackages(await mkdtemp(join(tmpdir(), 'packs-')));
 * tarballs.get('@s3lo/core'); // '/tmp/packs-x/s3lo-core-0.1.0.tgz'
 */
export async function packPublicPackages(destination: string, root: string = repoRoot): Promise<Map<string, string>> {
  const tarballs = new Map<string, string>();
  for (const pkg of await publicPackages(root)) tarballs.set(pkg.name, await packPackage(pkg.dir, destination));
  return tarballs;
}

/**
 * Packs the workspace package in `packageDir` into `destination` with `pnpm
 * pack` (private packages too: tests pack examples as their authors would
 * publish them) and returns the tarball's path.
 *
 * @example
 * const tarball = await packPackage(join(repoRoot, 'examples', 'backend-memory'), tarballsDir);
 */
export async function packPackage(packageDir: string, destination: string): Promise<string> {
  const before = new Set(await readdir(destination));
  await mustRun('pnpm', ['pack', '--pack-destination', destination], packageDir);
  const made = (await readdir(destination)).filter((name) => name.endsWith('.tgz') && !before.has(name));
  if (made.length !== 1) throw new Error(`pnpm pack in ${packageDir} made ${made.length} tarballs in ${destination}`);
  return join(destination, made[0] as string);
}

/**
 * npm as the project's Node runs it: the `npm-cli.js` beside this Node when
 * it ships one, else the one the `npm` on PATH points at, always run by
 * `process.execPath` (a machine's own npm may belong to an older Node).
 */
export function npmCli(): string {
  const beside = resolve(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js');
  if (existsSync(beside)) return beside;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'npm');
    if (dir && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error('no npm found beside node or on PATH');
}

/**
 * The global npm configuration of the npm that {@link npmCli} picked, as a
 * `--globalconfig` flag: `<prefix>/etc/npmrc` for an npm installed at
 * `<prefix>/lib/node_modules/npm` (`/usr/etc/npmrc` for Debian's). Run by
 * another Node, npm looks for its global config beside that Node instead,
 * and misses the machine's registry, proxy or `cafile` (a TLS-intercepting
 * proxy's CA): installs that need the registry then fail with
 * SELF_SIGNED_CERT_IN_CHAIN.
 */
function machineNpmConfig(): string[] {
  const match = /^(.*)\/lib\/node_modules\/npm\/bin\/npm-cli\.js$/.exec(npmCli());
  const file = match === null ? undefined : join(match[1] as string, 'etc', 'npmrc');
  return file !== undefined && existsSync(file) ? [`--globalconfig=${file}`] : [];
}

/** A project outside the repository with packed tarballs installed by npm. */
export interface ScratchProject {
  /** The project's directory (under the system's temporary directory). */
  readonly dir: string;
  /** Writes `text` to `file` (relative to the project), creating directories. */
  write(file: string, text: string): Promise<string>;
  /** Runs `node` with `args` in the project (or `cwd` inside it). */
  node(args: readonly string[], options?: { cwd?: string }): Promise<RunResult>;
  /** Deletes the project. */
  remove(): Promise<void>;
}

/**
 * Makes a project under the system's temporary directory (`"type": "module"`
 * unless `packageJson` says otherwise) and installs `tarballs` and
 * `registryPackages` with one `npm install` (the tarballs' third-party dependencies come from the registry, from
 * npm's cache when it has them).
 *
 * @example
 * const project = await createScratchProject({ tarballs: [...tarballs.values()] });
 * await project.write('main.mjs', "import { image } from '@s3lo/core'; console.log(typeof image.push);");
 * const { stdout } = await project.node(['main.mjs']); // 'function\n'
 * await project.remove();
 */
export async function createScratchProject(options: {
  tarballs: readonly string[];
  /** Packages from the npm registry installed beside the tarballs (`vitest@4.1.12`). */
  registryPackages?: readonly string[];
  packageJson?: Record<string, unknown>;
}): Promise<ScratchProject> {
  const dir = await mkdtemp(join(tmpdir(), 's3lo-scratch-'));
  const project: ScratchProject = {
    dir,
    async write(file, text) {
      const path = join(dir, file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
      return path;
    },
    node: (args, runOptions) => run(process.execPath, args, { cwd: runOptions?.cwd ? join(dir, runOptions.cwd) : dir }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  try {
    await project.write('package.json', `${JSON.stringify({ name: 's3lo-scratch', private: true, type: 'module', ...options.packageJson }, null, 2)}\n`);
    await mustRun(
      process.execPath,
      [npmCli(), 'install', ...machineNpmConfig(), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...options.tarballs, ...(options.registryPackages ?? [])],
      dir,
    );
  } catch (error) {
    await project.remove();
    throw error;
  }
  return project;
}

/**
 * The first fenced code block of language `lang` in the section of a
 * Markdown file that starts with the heading line `heading` (up to the next
 * heading of the same level), so a test runs the documented code itself.
 *
 * @example
 * const example = await markdownCodeBlock(join(repoRoot, 'README.md'), '## Using the library', 'ts');
 */
export async function markdownCodeBlock(file: string, heading: string, lang: string): Promise<string> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`${file} has no heading "${heading}"`);
  const level = heading.split(' ')[0] as string;
  let inside: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    if (inside === undefined && line.startsWith(`${level} `)) break;
    if (inside === undefined && line.trim() === `\`\`\`${lang}`) inside = [];
    else if (inside !== undefined && line.trim() === '```') return `${inside.join('\n')}\n`;
    else inside?.push(line);
  }
  throw new Error(`${file}: no \`\`\`${lang} block under "${heading}"`);
}
