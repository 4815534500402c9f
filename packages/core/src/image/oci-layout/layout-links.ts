import { lstat, mkdir, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { errnoCode, fsError } from '../../storage/node-fs.js';
import { realPathInside } from './contained-files.js';
import { INDEX_FILE, OCI_LAYOUT_FILE } from './layout-files.js';

// What a sink writes must land inside the layout it was given. A layout
// whose `blobs/sha256` (or `blobs`, `index.json`, a blob file) is a symbolic
// link to another directory would otherwise receive the image there: every
// directory is entered by its real path, checked to lie inside the layout,
// and a link leading out (or nowhere) is refused before anything is written.

const WRITE_HINT = 's3lo writes only inside the layout directory; replace the link with a real directory or file, or name another layout';

/**
 * The real path of an existing `path` of the layout, or `undefined` when
 * nothing is there. A link is followed only if it ends inside `realRoot`.
 *
 * @throws S3loError INVALID_KEY for a link that leads outside the layout or
 *   to nothing (where it would lead once created is not known).
 */
export async function writableRealPath(realRoot: string, path: string, what: string): Promise<string | undefined> {
  let isLink: boolean;
  try {
    isLink = (await lstat(path)).isSymbolicLink();
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fsError(error, what, path);
  }
  if (!isLink) return realpath(path).catch((error: unknown) => Promise.reject(fsError(error, what, path)));
  try {
    return await realPathInside(realRoot, path, what);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.INVALID_KEY)) throw new S3loError(error.code, error.message, { cause: error, details: error.details, hint: WRITE_HINT });
    if (!S3loError.isInstance(error, ErrorCode.NOT_FOUND)) throw error;
    const target = await readlink(path).catch(() => '?');
    throw new S3loError(ErrorCode.INVALID_KEY, `${what} is a symbolic link to ${target}, which does not exist (${path})`, {
      cause: error,
      details: { path, target },
      hint: WRITE_HINT,
    });
  }
}

/**
 * Steps from the real directory `dir` into its entry `name`, creating it
 * when missing (mkdir never follows a link), and returns its real path.
 *
 * @throws S3loError INVALID_KEY as {@link writableRealPath};
 *   INVALID_ARGUMENT when a file is in the way; the fs error otherwise.
 */
export async function enterOrCreateDirectory(realRoot: string, dir: string, name: string, what: string): Promise<string> {
  const next = join(dir, name);
  try {
    await mkdir(next);
    return next;
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw fsError(error, `creating ${what}`, next);
  }
  const real = await writableRealPath(realRoot, next, what);
  if (real === undefined || !(await stat(real)).isDirectory()) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${what} is not a directory (${next})`, {
      details: { path: next },
      hint: 'an OCI layout keeps its blobs in the directory blobs/sha256/',
    });
  }
  return real;
}

/**
 * Refuses an existing layout with a link out anywhere s3lo would write or
 * trust: `blobs`, `blobs/sha256`, `oci-layout`, `index.json`, and every blob
 * file (one directory read: blobs that are links are rare, and found by
 * their entry type without a stat each).
 */
export async function refuseLinksOut(realRoot: string, description: string): Promise<void> {
  for (const name of [OCI_LAYOUT_FILE, INDEX_FILE]) await writableRealPath(realRoot, join(realRoot, name), `the ${name} of ${description}`);
  const blobs = await writableRealPath(realRoot, join(realRoot, 'blobs'), `the blobs directory of ${description}`);
  if (blobs === undefined) return;
  const sha256 = await writableRealPath(realRoot, join(blobs, 'sha256'), `the blobs/sha256 directory of ${description}`);
  if (sha256 === undefined) return;
  let entries;
  try {
    entries = await readdir(sha256, { withFileTypes: true });
  } catch (error) {
    // A file where the directory should be: creating the layout says so.
    if (errnoCode(error) === 'ENOTDIR') return;
    throw fsError(error, `the blobs/sha256 directory of ${description}`, sha256);
  }
  for (const entry of entries) {
    if (entry.isSymbolicLink()) await writableRealPath(realRoot, join(sha256, entry.name), `blob file ${entry.name} of ${description}`);
  }
}

/**
 * Checks that the real directory `dir` still is one: no component of it was
 * replaced by a link since it was entered. Writes call it after creating
 * their temporary file and again just before renaming it into place, which
 * leaves only the moment between that check and the rename (node:fs has no
 * openat/renameat to close it).
 *
 * @throws S3loError INVALID_KEY naming where the directory now leads.
 */
export async function checkStillReal(dir: string, what: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    throw fsError(error, what, dir);
  }
  if (real !== dir) {
    throw new S3loError(ErrorCode.INVALID_KEY, `${what}: the directory ${dir} was replaced while writing and now leads to ${real}`, {
      details: { path: dir, resolved: real },
      hint: WRITE_HINT,
    });
  }
}
