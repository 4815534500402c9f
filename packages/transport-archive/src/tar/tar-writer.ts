import type { FileHandle } from 'node:fs/promises';
import { ErrorCode, S3loError, throwIfAborted } from '@s3lo/core';
import { Header, Pax } from 'tar';

const BLOCK = 512;
const ZEROS = Buffer.alloc(2 * BLOCK);
// Every entry gets the same owner, mode and time, so the same image always
// makes the same archive bytes.
const EPOCH = new Date(0);

/**
 * Writes a tar to an open file, one member after the other. A member's size
 * goes in its header before its data, which is why sinks spool blobs to
 * files first. Headers are encoded by node-tar's `Header`; a name or size
 * that does not fit the ustar fields gets a pax record before it.
 */
export class TarWriter {
  readonly #handle: FileHandle;
  #position = 0;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** A directory entry (`blobs/`). */
  async directory(name: string): Promise<void> {
    await this.#header(name.endsWith('/') ? name : `${name}/`, 0, 'Directory', 0o755);
  }

  /**
   * A regular file of exactly `size` bytes from memory or a stream; a
   * stream of another length fails (SIZE_MISMATCH) and the archive is then
   * unusable, which is why it is written to a temporary file.
   */
  async file(name: string, size: number, content: Uint8Array | AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    await this.#header(name, size, 'File', 0o644);
    let written = 0;
    const chunks = content instanceof Uint8Array ? [content] : content;
    for await (const chunk of chunks) {
      throwIfAborted(signal);
      written += chunk.length;
      if (written > size) break;
      await this.#write(chunk);
    }
    if (written !== size) {
      throw new S3loError(ErrorCode.SIZE_MISMATCH, `archive member ${JSON.stringify(name)} had ${written > size ? `more than ${size}` : written} bytes, expected ${size}`, {
        details: { entry: name, expected: size },
      });
    }
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padding > 0) await this.#write(ZEROS.subarray(0, padding));
  }

  /** The two zero blocks that end an archive. */
  async finish(): Promise<void> {
    await this.#write(ZEROS);
  }

  async #header(path: string, size: number, type: 'File' | 'Directory', mode: number): Promise<void> {
    const header = new Header({ path, size, type, mode, uid: 0, gid: 0, uname: '', gname: '', mtime: EPOCH });
    if (header.encode()) await this.#write(new Pax({ path, size }).encode());
    await this.#write(header.block as Buffer);
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done, this.#position + done);
      done += bytesWritten;
    }
    this.#position += bytes.length;
  }
}
