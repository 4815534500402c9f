import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, S3loError, throwIfAborted } from '@s3lo/core';
import { errnoCode, fsError } from '@s3lo/core/storage';
import { quote } from '../errors.js';
import { TarWriter } from '../tar/tar-writer.js';

// O_EXCL already refuses a link at the temporary name; O_NOFOLLOW says so.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/**
 * The file a sink writes, checked when the sink opens so that a bad path
 * fails before any blob moves: its directory must exist, and the path must
 * be absent or a regular file, which is replaced, in one rename, when the
 * archive is complete.
 *
 * Anything else at the path is refused rather than replaced or written
 * through: a directory; a symbolic link (`docker save -o` would replace the
 * link by the archive, skopeo would write through it into whatever it
 * points at, which in a shared directory is how another user's file gets
 * overwritten: s3lo does neither, and says to name the file itself); a
 * FIFO or device (`/dev/stdout`, `/dev/null`: a rename would replace the
 * device node itself). The directory may be reached through links (it is
 * the one the caller named); the archive is written in its real path, so
 * the temporary file and the final name stay in one directory.
 *
 * @returns the path to write: the real directory and the file name
 */
export async function checkTarget(path: string): Promise<string> {
  const target = resolve(path);
  const dir = dirname(target);
  const dirStat = await stat(dir).catch(() => undefined);
  if (dirStat === undefined || !dirStat.isDirectory()) {
    throw new S3loError(ErrorCode.NOT_FOUND, `cannot write archive ${quote(path)}: directory ${quote(dir)} does not exist`, {
      details: { archive: path, directory: dir },
      hint: 'create the directory first',
    });
  }
  let targetStat: Stats | undefined;
  try {
    targetStat = await lstat(target);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw fsError(error, `archive ${quote(path)}`, target);
  }
  if (targetStat !== undefined && !targetStat.isFile()) await refuseTarget(path, target, targetStat);
  let realDir: string;
  try {
    realDir = await realpath(dir);
  } catch (error) {
    throw fsError(error, `the directory of archive ${quote(path)}`, dir);
  }
  return join(realDir, basename(target));
}

async function refuseTarget(path: string, target: string, stats: Stats): Promise<never> {
  if (stats.isDirectory()) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `cannot write archive ${quote(path)}: it is a directory`, {
      details: { archive: path },
      hint: 'for an OCI layout directory use oci:<dir>',
    });
  }
  if (stats.isSymbolicLink()) {
    const to = await readlink(target).catch(() => '?');
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `cannot write archive ${quote(path)}: it is a symbolic link (to ${quote(to)}), and s3lo neither writes through a link nor replaces it`, {
      details: { archive: path, linkTarget: to },
      hint: 'name the file itself, or remove the link first',
    });
  }
  const kind = stats.isFIFO() ? 'a FIFO (named pipe)' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : stats.isSocket() ? 'a socket' : 'not a regular file';
  throw new S3loError(ErrorCode.INVALID_ARGUMENT, `cannot write archive ${quote(path)}: it is ${kind}; an archive is written to a temporary file and renamed over a regular file`, {
    details: { archive: path },
    hint: 'name a regular file (new or existing)',
  });
}

/**
 * Writes a tar to a temporary file beside `target` (same directory, so the
 * final rename is atomic), syncs it and renames it onto `target`. The target
 * never exists half-written: on any failure, abort included, the temporary
 * file is removed and the target is left as it was.
 */
export async function writeArchiveAtomically(target: string, write: (tar: TarWriter) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.s3lo-tmp-${randomBytes(6).toString('hex')}`);
  let handle;
  try {
    handle = await open(temp, CREATE_FLAGS, 0o666);
  } catch (error) {
    throw fsError(error, 'writing the archive', target, signal);
  }
  let open_ = true;
  let renamed = false;
  try {
    const tar = new TarWriter(handle);
    await write(tar);
    await tar.finish();
    await handle.sync();
    await handle.close();
    open_ = false;
    // The last moment an abort can still keep the archive from appearing.
    throwIfAborted(signal);
    await rename(temp, target);
    renamed = true;
  } catch (error) {
    // A full disk or a read-only one, said as such; the archive's own errors (SIZE_MISMATCH) pass unchanged.
    throw errnoCode(error) === undefined ? error : fsError(error, 'writing the archive', target, signal);
  } finally {
    if (open_) await handle.close().catch(() => undefined);
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}
