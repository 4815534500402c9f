import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, S3loError, throwIfAborted } from '@s3lo/core/storage';
import { errnoCode } from './fs-errors.js';
import { isTempName } from './paths.js';

/** Where a listing resumes: after an object key, or after a whole common prefix. */
export interface Cursor {
  readonly value: string;
  readonly isPrefix: boolean;
}

/** One entry of a listing, in key order. */
export type WalkEntry = { readonly kind: 'object'; readonly key: string; readonly path: string } | { readonly kind: 'prefix'; readonly prefix: string };

/** What a walk selects. */
export interface WalkOptions {
  readonly prefix: string;
  readonly delimiter: string | undefined;
  readonly after: Cursor | undefined;
  readonly signal: AbortSignal | undefined;
}

// Tokens are opaque to callers; inside they name the last entry returned.
export function encodeToken(cursor: Cursor): string {
  return Buffer.from(`${cursor.isPrefix ? 'p' : 'o'}:${cursor.value}`, 'utf8').toString('base64url');
}

export function decodeToken(token: string): Cursor {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const valid = (text.startsWith('o:') || text.startsWith('p:')) && text.length > 2 && Buffer.from(text, 'utf8').toString('base64url') === token;
  if (!valid) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'the continuation token was not issued by the local backend', {
      details: { continuationToken: token },
    });
  }
  return { isPrefix: text.startsWith('p:'), value: text.slice(2) };
}

// Listings are in UTF-8 byte order. JS string order (UTF-16 code units)
// agrees with it except where astral characters (surrogates) meet
// U+E000..U+FFFF, so the fast path is taken only without surrogates.
const SURROGATE = /[\uD800-\uDFFF]/;

/** Compares two keys in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isAfter(entry: string, after: Cursor | undefined): boolean {
  if (after === undefined) return true;
  if (after.isPrefix && entry.startsWith(after.value)) return false;
  return compareKeys(entry, after.value) > 0;
}

/** True when every key below directory key `dirKey` (ending in `/`) sorts at or before the cursor. */
function directoryIsBefore(dirKey: string, after: Cursor | undefined): boolean {
  if (after === undefined) return false;
  if (after.isPrefix && dirKey.startsWith(after.value)) return true;
  return compareKeys(dirKey, after.value) < 0 && !after.value.startsWith(dirKey);
}

interface Child {
  readonly name: string;
  readonly isDirectory: boolean;
  /** `name` for a file, `name/` for a directory: what its keys start with. */
  readonly sortKey: string;
}

async function readChildren(dir: string): Promise<Child[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // Removed (or replaced by a file) while we walked: nothing to list there.
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return [];
    throw error;
  }
  const children: Child[] = [];
  for (const dirent of dirents) {
    if (isTempName(dirent.name)) continue;
    // Symbolic links, sockets and devices are neither listed nor followed.
    if (dirent.isFile()) children.push({ name: dirent.name, isDirectory: false, sortKey: dirent.name });
    else if (dirent.isDirectory()) children.push({ name: dirent.name, isDirectory: true, sortKey: `${dirent.name}/` });
  }
  // Sorting a directory's files by name and its sub-directories by `name/`
  // makes a depth-first walk yield keys in global byte order.
  return children.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
}

/** True when `dir` holds at least one object at any depth (temp files and empty directories do not count). */
export async function containsObject(dir: string, signal: AbortSignal | undefined): Promise<boolean> {
  throwIfAborted(signal);
  const children = await readChildren(dir);
  if (children.some((child) => !child.isDirectory)) return true;
  for (const child of children) {
    if (await containsObject(join(dir, child.name), signal)) return true;
  }
  return false;
}

/**
 * Yields the objects and common prefixes under directory `dir` (whose keys
 * start with `dirKey`, `''` or ending in `/`) in ascending key order,
 * skipping directories that hold nothing after the cursor or under the prefix.
 * With the `/` delimiter a directory becomes one common prefix as soon as one
 * object is found in it, without walking the rest.
 */
export async function* walk(dir: string, dirKey: string, options: WalkOptions, state = { lastPrefix: '' }): AsyncGenerator<WalkEntry> {
  const { prefix, delimiter, after, signal } = options;
  throwIfAborted(signal);
  for (const child of await readChildren(dir)) {
    throwIfAborted(signal);
    const path = join(dir, child.name);
    if (child.isDirectory) {
      const childKey = `${dirKey}${child.name}/`;
      if (!childKey.startsWith(prefix) && !prefix.startsWith(childKey)) continue;
      if (directoryIsBefore(childKey, after)) continue;
      if (delimiter === '/' && childKey.startsWith(prefix) && childKey.length > prefix.length) {
        if (isAfter(childKey, after) && (await containsObject(path, signal))) yield { kind: 'prefix', prefix: childKey };
        continue;
      }
      yield* walk(path, childKey, options, state);
      continue;
    }
    const key = dirKey + child.name;
    if (!key.startsWith(prefix) || !isAfter(key, after)) continue;
    if (delimiter !== undefined && delimiter !== '/') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) {
        // Keys sharing a common prefix are contiguous in key order, so
        // remembering the last one emitted is enough to emit each once.
        const commonPrefix = key.slice(0, at + delimiter.length);
        if (commonPrefix !== state.lastPrefix && isAfter(commonPrefix, after)) yield { kind: 'prefix', prefix: commonPrefix };
        state.lastPrefix = commonPrefix;
        continue;
      }
    }
    yield { kind: 'object', key, path };
  }
}

/**
 * The directory to start a walk for `prefix` from: the deepest directory the
 * prefix names (`a/b/` for `a/b/c`), reached without following symbolic
 * links. `undefined` when it does not exist, so nothing can match.
 */
export async function startDirectory(root: string, prefix: string): Promise<{ dir: string; dirKey: string } | undefined> {
  const slash = prefix.lastIndexOf('/');
  const dirKey = slash < 0 ? '' : prefix.slice(0, slash + 1);
  let dir = root;
  for (const part of dirKey.split('/').filter((p) => p !== '')) {
    dir = join(dir, part);
    try {
      if (!(await lstat(dir)).isDirectory()) return undefined;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
      throw error;
    }
  }
  return { dir, dirKey };
}
