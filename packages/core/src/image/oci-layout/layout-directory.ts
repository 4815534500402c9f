import { realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { MAX_MANIFEST_BYTES, parseImageIndex } from '../../oci/parse-manifest.js';
import type { ImageIndex } from '../../oci/types.js';
import { readContainedFile } from './contained-files.js';
import { errnoCode, fsError } from '../../storage/node-fs.js';
import { checkLayoutVersion, inFile, INDEX_FILE, MAX_OCI_LAYOUT_BYTES, OCI_LAYOUT_FILE } from './layout-files.js';

/** A layout directory as given and as resolved. */
export interface LayoutDirectory {
  /** The directory, absolute (relative paths resolved when the layout was opened). */
  readonly root: string;
  /** Its real path: every file read must resolve inside it. */
  readonly realRoot: string;
}

/**
 * What is at `path`: a directory (with its real path), or nothing.
 *
 * @throws S3loError INVALID_ARGUMENT when it is something other than a
 *   directory (a tar of a layout is `oci-archive:`).
 */
export async function findDirectory(path: string): Promise<LayoutDirectory | undefined> {
  const root = resolve(path);
  try {
    const stats = await stat(root);
    if (!stats.isDirectory()) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${root} is not a directory: an OCI layout is a directory`, {
        details: { path: root },
        hint: 'for a tar of an OCI layout write oci-archive:<file>',
      });
    }
    return { root, realRoot: await realpath(root) };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw fsError(error, `OCI layout directory ${root}`, root);
  }
}

/**
 * Checks the `oci-layout` file of an existing layout.
 *
 * @throws S3loError NOT_FOUND when it is missing (the directory is not a
 *   layout); INVALID_MANIFEST when it is malformed or of another major version.
 */
export async function checkLayoutFile(layout: LayoutDirectory, signal?: AbortSignal): Promise<void> {
  const path = join(layout.root, OCI_LAYOUT_FILE);
  let bytes: Buffer;
  try {
    bytes = await readContainedFile(layout.realRoot, join(layout.realRoot, OCI_LAYOUT_FILE), `the ${OCI_LAYOUT_FILE} file`, MAX_OCI_LAYOUT_BYTES, signal);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) {
      throw new S3loError(ErrorCode.NOT_FOUND, `${layout.root} is not an OCI image layout: it has no ${OCI_LAYOUT_FILE} file (${path})`, {
        cause: error,
        details: { path },
      });
    }
    throw inFile(error, path);
  }
  checkLayoutVersion(bytes, path);
}

/**
 * Reads and checks a layout's `index.json` (an untrusted image index: every
 * digest is validated before anything is built from it), or `undefined`
 * when there is none.
 *
 * @throws S3loError INVALID_MANIFEST or TOO_LARGE naming the file when it
 *   is unusable; INVALID_KEY when it is a link leading out of the layout.
 */
export async function readLayoutIndex(layout: LayoutDirectory, signal?: AbortSignal): Promise<ImageIndex | undefined> {
  const path = join(layout.root, INDEX_FILE);
  try {
    const bytes = await readContainedFile(layout.realRoot, join(layout.realRoot, INDEX_FILE), `the ${INDEX_FILE} of OCI layout ${layout.root}`, MAX_MANIFEST_BYTES, signal);
    return parseImageIndex(bytes);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
    throw inFile(error, path);
  }
}
