import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, S3loError, throwIfAborted } from '@s3lo/core';
import { quote } from '../errors.js';
import { TarWriter } from '../tar/tar-writer.js';

/**
 * The file a sink writes, checked when the sink opens so that a bad path
 * fails before any blob moves: its directory must exist, and the path must
 * not be a directory. An existing file is replaced, in one rename, when the
 * archive is complete.
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
  const targetStat = await stat(target).catch(() => undefined);
  if (targetStat?.isDirectory()) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `cannot write archive ${quote(path)}: it is a directory`, {
      details: { archive: path },
      hint: 'for an OCI layout directory use oci:<dir>',
    });
  }
  return target;
}

/**
 * Writes a tar to a temporary file beside `target` (same directory, so the
 * final rename is atomic), syncs it and renames it onto `target`. The target
 * never exists half-written: on any failure, abort included, the temporary
 * file is removed and the target is left as it was.
 */
export async function writeArchiveAtomically(target: string, write: (tar: TarWriter) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.s3lo-tmp-${randomBytes(6).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o666);
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
  } finally {
    if (open_) await handle.close().catch(() => undefined);
    if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
  }
}
