// Helpers shared by the OCI layout tests: the independent tools (umoci,
// skopeo) that build the layouts we read and check the layouts we write,
// temporary directories, and small file utilities.
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { parseTransportReference, type OciLayoutReference } from '../../src/ref/index.js';

const run = promisify(execFile);

function installed(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Which independent tools this machine has; CI installs both. */
export const tools = { umoci: installed('umoci'), skopeo: installed('skopeo') };

/** Says once, loudly, why a tool-backed test group does not run. */
export function warnIfMissing(...needed: (keyof typeof tools)[]): boolean {
  const missing = needed.filter((tool) => !tools[tool]);
  if (missing.length > 0) console.warn(`SKIPPED: ${missing.join(' and ')} not installed (apt-get install ${missing.join(' ')}); these tests check against them`);
  return missing.length === 0;
}

/** Runs a tool; a failure throws with its stderr. */
export async function tool(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
  }
}

/** `skopeo inspect --raw`: the exact bytes skopeo reads as the manifest. */
export async function skopeoRaw(reference: string): Promise<Buffer> {
  const { stdout } = await run('skopeo', ['inspect', '--raw', reference], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

// Without a policy.json (bare CI machines) skopeo refuses to copy; the test
// checks the layout format, not signature policy.
export function skopeoCopy(from: string, to: string, ...flags: string[]): Promise<string> {
  return tool('skopeo', ['--insecure-policy', 'copy', '--quiet', ...flags, from, to]);
}

/**
 * Temporary directories for one test file: call at the top level of the
 * file (it registers the cleanup hook), then `make()` in tests or hooks.
 */
export function useTempDirs(): { make(): Promise<string> } {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 's3lo-oci-'));
      made.push(dir);
      return dir;
    },
  };
}

/** `oci:<dir>[:<tag>]` parsed the way the CLI does. */
export function ociRef(dir: string, tag?: string): OciLayoutReference {
  const parsed = parseTransportReference(tag === undefined ? `oci:${dir}` : `oci:${dir}:${tag}`);
  if (parsed.kind !== 'oci') throw new Error(`not an oci reference: ${dir}`);
  return parsed;
}

/**
 * A layout made by umoci: `base` (no layers) and `v1` (one layer holding a
 * small text file and 300 KiB of random bytes, so streams take several chunks).
 */
export async function umociLayout(dir: string): Promise<string> {
  const layout = join(dir, 'umoci-layout');
  const bundle = join(dir, 'umoci-bundle');
  await tool('umoci', ['init', '--layout', layout]);
  await tool('umoci', ['new', '--image', `${layout}:base`]);
  // --rootless works as root too, and is what an unprivileged CI runner needs.
  await tool('umoci', ['unpack', '--rootless', '--image', `${layout}:base`, bundle]);
  await writeFile(join(bundle, 'rootfs', 'hello'), 'hi\n');
  await writeFile(join(bundle, 'rootfs', 'noise.bin'), randomBytes(300 * 1024));
  await tool('umoci', ['repack', '--image', `${layout}:v1`, bundle]);
  return layout;
}

/** Every file under `blobs/` of a layout, by relative path, with its bytes. */
export async function blobFiles(layout: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const algorithm of await readdir(join(layout, 'blobs'))) {
    for (const name of await readdir(join(layout, 'blobs', algorithm))) {
      files.set(`${algorithm}/${name}`, await readFile(join(layout, 'blobs', algorithm, name)));
    }
  }
  return files;
}

/** Names of files anywhere under `dir` (relative), for "nothing left behind" checks. */
export async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** index.json of a layout, parsed. */
export async function readIndexJson(layout: string): Promise<{ manifests: { digest: string; mediaType: string; size: number; annotations?: Record<string, string> }[] }> {
  return JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
}
