import { lstat, mkdir, realpath, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoCode, escapesRoot, keyConflict } from './fs-errors.js';
import { isInside } from './paths.js';

/** Steps from real directory `dir` into `part`, creating it when missing; refuses links out of `root` and files in the way. */
export async function enterOrCreate(root: string, dir: string, part: string, key: string): Promise<string> {
  const next = join(dir, part);
  try {
    await mkdir(next);
    return next;
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
  }
  const stats = await lstat(next);
  if (stats.isDirectory()) return next;
  if (!stats.isSymbolicLink()) throw keyConflict(key);
  let real: string;
  try {
    real = await realpath(next);
  } catch (error) {
    // A dangling link: where it would lead is unknown, so do not create it.
    if (errnoCode(error) === 'ENOENT') throw escapesRoot(key);
    throw error;
  }
  if (!isInside(root, real)) throw escapesRoot(key);
  if (!(await lstat(real)).isDirectory()) throw keyConflict(key);
  return real;
}

/**
 * Removes `dir` and its parents while they are empty, up to (not including)
 * `root`, so deleting the last key under a prefix leaves no directory behind.
 */
export async function pruneEmptyDirectories(root: string, dir: string): Promise<void> {
  for (let current = dir; current !== root && isInside(root, current); current = dirname(current)) {
    try {
      await rmdir(current);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') return;
    }
  }
}
