/**
 * Where a pull or copy out of a tampered bucket may write, and what must be
 * true of it afterwards: nothing under a content address that does not hash
 * to it, no tag, no leftovers.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** Every file under `dir`, `/`-separated and relative, hidden ones included, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Tags an OCI layout's index.json names (none when it has no index.json). */
export async function layoutTags(layout: string): Promise<string[]> {
  if (!existsSync(join(layout, 'index.json'))) return [];
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests?: { annotations?: Record<string, string> }[] };
  return (index.manifests ?? []).map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '(untagged)');
}

/**
 * What is wrong with an OCI layout a failed pull wrote into: blob files that
 * do not hash to their names, and hidden or temporary files left behind.
 */
export async function layoutProblems(layout: string): Promise<string[]> {
  const problems: string[] = [];
  for (const file of await filesUnder(layout)) {
    if (file.split('/').some((part) => part.startsWith('.')) || file.endsWith('.tmp')) {
      problems.push(`left behind: ${file}`);
    } else if (file.startsWith('blobs/sha256/')) {
      const actual = await hashFile(join(layout, file));
      if (actual !== `sha256:${file.slice('blobs/sha256/'.length)}`) problems.push(`bad data under a content address: ${file} hashes to ${actual}`);
    }
  }
  return problems;
}
