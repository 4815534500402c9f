import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, S3loError, assertValidKey, throwIfAborted, type PendingUpload, type PendingUploadPage } from '@s3lo/core/storage';
import { pruneEmptyDirectories } from './directories.js';
import { errnoCode, escapesRoot, toS3loError } from './fs-errors.js';
import { compareKeys, startDirectory } from './list.js';
import { isInside, isTempName, splitKey, TEMP_MARK } from './paths.js';

/**
 * The local backend's pending uploads are the temporary files of writes
 * that never finished (a killed process, a second Ctrl-C): hidden from
 * listings, never renamed into place, taking disk space until removed. A
 * write in progress has one too, so the age (its mtime, which a writer
 * still writing keeps young) is what tells an abandoned one.
 *
 * An upload's `id` is the temporary file's path relative to the bucket
 * directory (`blobs/sha256/.<hex>.s3lo-tmp-<random>`), its `key` the key
 * it was writing, read back from the temporary name (or, for a name that was
 * too long to carry the key, the directory's prefix).
 */

/** Every temporary file under the prefix, sorted by key then id, starting after the cursor. */
export async function listTemporaryFiles(
  root: string,
  options: { prefix: string; after: { key: string; id: string } | undefined; limit: number; signal: AbortSignal | undefined },
): Promise<PendingUploadPage> {
  const { prefix, after, limit, signal } = options;
  const start = await startDirectory(root, prefix);
  if (start === undefined) return { uploads: [] };
  const found: PendingUpload[] = [];
  await collect(start.dir, start.dirKey, found, signal);
  const sorted = found
    .filter((upload) => upload.key.startsWith(prefix))
    .sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.id, b.id))
    .filter((upload) => after === undefined || compareKeys(upload.key, after.key) > 0 || (upload.key === after.key && compareKeys(upload.id, after.id) > 0));
  const uploads = sorted.slice(0, limit);
  const last = uploads.at(-1);
  return sorted.length > limit && last !== undefined ? { uploads, nextToken: encodeCursor(last) } : { uploads };
}

async function collect(dir: string, dirKey: string, found: PendingUpload[], signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // Removed (or replaced by a file) while we walked: nothing there.
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
    throw error;
  }
  for (const entry of entries) {
    // Symbolic links are neither listed nor followed, as in listings.
    if (entry.isDirectory() && !isTempName(entry.name)) {
      await collect(join(dir, entry.name), `${dirKey}${entry.name}/`, found, signal);
    } else if (entry.isFile() && isTempName(entry.name)) {
      const stats = await lstat(join(dir, entry.name)).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return undefined; // finished or removed meanwhile
        throw error;
      });
      if (stats?.isFile()) found.push({ key: dirKey + targetName(entry.name), id: dirKey + entry.name, initiated: stats.mtime });
    }
  }
}

/** The name a temporary file was written for: `.<name>.s3lo-tmp-<random>` gives `<name>`; the short form `..s3lo-tmp-<random>` gives ''. */
function targetName(tempName: string): string {
  return tempName.slice(1, tempName.length - TEMP_MARK.length - 16);
}

/** Removes a temporary file named by its id; one already gone is not an error. */
export async function removeTemporaryFile(root: string, id: string, signal: AbortSignal | undefined): Promise<void> {
  assertValidKey(id);
  const { dirParts, name } = splitKey(id);
  if (!isTempName(name) || dirParts.some(isTempName)) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${JSON.stringify(id)} is not the id of a pending upload of the local backend (a temporary file's path)`, {
      details: { id },
    });
  }
  throwIfAborted(signal);
  let dir: string;
  try {
    dir = dirParts.length === 0 ? root : await realpath(join(root, ...dirParts));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
    throw toS3loError(error, { op: 'abort pending upload', key: id, signal });
  }
  if (!isInside(root, dir)) throw escapesRoot(id);
  try {
    await unlink(join(dir, name));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return;
    throw toS3loError(error, { op: 'abort pending upload', key: id, signal });
  }
  await pruneEmptyDirectories(root, dir);
}

// Tokens are opaque to callers; inside they name the last upload returned.
function encodeCursor(upload: { key: string; id: string }): string {
  return Buffer.from(JSON.stringify([upload.key, upload.id]), 'utf8').toString('base64url');
}

export function decodeCursor(token: string): { key: string; id: string } {
  let value: unknown;
  try {
    value = /^[A-Za-z0-9_-]+$/.test(token) ? JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'the continuation token was not issued by the local backend', { details: { continuationToken: token } });
  }
  return { key: value[0], id: value[1] };
}
