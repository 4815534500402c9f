import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { addAbortSignal } from 'node:stream';
import { throwIfAborted } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { readAllCapped } from '../../storage/body.js';
import { fsError } from '../../storage/node-fs.js';

// A layout read by s3lo may come from anyone (unpacked from an archive,
// downloaded): its files are opened only after their real path is checked
// to lie inside the layout, and then by that real path with O_NOFOLLOW, so a
// link swapped in after the check is refused instead of followed. O_NONBLOCK
// keeps a FIFO planted under a blob's name from blocking the open; regular
// files ignore it. Both flags are absent on Windows, where 0 leaves them off.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** An open regular file of the layout and its size when opened. */
export interface ContainedFile {
  readonly handle: FileHandle;
  readonly size: number;
}

/**
 * The real path of `path`, which must resolve inside `realRoot` (itself a
 * real path). `what` names the file in messages.
 *
 * @throws S3loError NOT_FOUND when it does not exist (a dangling link
 *   included); INVALID_KEY when a symbolic link leads outside the layout.
 */
export async function realPathInside(realRoot: string, path: string, what: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw fsError(error, what, path);
  }
  if (!isInside(realRoot, real)) {
    throw new S3loError(ErrorCode.INVALID_KEY, `${what} resolves outside the layout directory through a symbolic link (${path} -> ${real})`, {
      details: { path, resolved: real, layout: realRoot },
      hint: 's3lo never reads outside the layout directory; replace the link with the file, or point it inside the layout',
    });
  }
  return real;
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Opens a regular file inside the layout for reading. The caller closes the
 * handle (or hands it to a stream that does).
 *
 * @throws S3loError as {@link realPathInside}; INVALID_KEY when the path is
 *   not a regular file (a directory, a FIFO, a device).
 */
export async function openContainedFile(realRoot: string, path: string, what: string, signal?: AbortSignal): Promise<ContainedFile> {
  const real = await realPathInside(realRoot, path, what);
  throwIfAborted(signal);
  let handle: FileHandle;
  try {
    handle = await open(real, READ_FLAGS);
  } catch (error) {
    throw fsError(error, what, path, signal);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new S3loError(ErrorCode.INVALID_KEY, `${what} is not a regular file (${path})`, { details: { path } });
    }
    return { handle, size: stats.size };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw fsError(error, what, path, signal);
  }
}

/**
 * Reads a whole small file of the layout (`oci-layout`, `index.json`, a
 * manifest), refusing (TOO_LARGE) one over `maxBytes` before reading it.
 */
export async function readContainedFile(realRoot: string, path: string, what: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const { handle, size } = await openContainedFile(realRoot, path, what, signal);
  if (size > maxBytes) {
    await handle.close().catch(() => undefined);
    throw new S3loError(ErrorCode.TOO_LARGE, `${what} is ${size} bytes, more than the limit of ${maxBytes} bytes (${path})`, {
      details: { path, size, limit: maxBytes },
    });
  }
  // The stream owns the handle from here and closes it however reading ends.
  const stream = handle.createReadStream();
  if (signal !== undefined) addAbortSignal(signal, stream);
  try {
    // Capped again while reading: the file may grow after the size check.
    return await readAllCapped(stream, maxBytes, what);
  } catch (error) {
    stream.destroy();
    throw fsError(error, what, path, signal);
  }
}
