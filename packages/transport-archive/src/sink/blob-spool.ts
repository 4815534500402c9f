import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDigester, type Digest } from '@s3lo/core';
import { createByteCounter, errnoCode, fsError } from '@s3lo/core/storage';

/** A blob held in the spool directory until the archive is assembled. */
export interface SpooledBlob {
  readonly path: string;
  readonly size: number;
  /**
   * sha256 of the bytes as spooled: the blob's digest, or, for a layer
   * decompressed on the way in, its diff_id.
   */
  readonly storedDigest: Digest;
}

/**
 * A private temporary directory where a sink keeps blobs until `commit`
 * knows the whole image and can write the tar (whose headers need every
 * size up front). Blobs arrive in any order and in parallel: each goes to a
 * file of its own, recorded only once completely written, and removed when
 * its stream fails, so nothing unverified is ever recorded under a digest.
 */
export class BlobSpool {
  readonly #blobs = new Map<Digest, SpooledBlob>();
  #counter = 0;

  private constructor(readonly dir: string) {}

  /** Creates the spool directory inside `parent`. */
  static async create(parent: string): Promise<BlobSpool> {
    return new BlobSpool(await mkdtemp(join(parent, '.s3lo-tmp-spool-')));
  }

  has(digest: Digest): boolean {
    return this.#blobs.has(digest);
  }

  get(digest: Digest): SpooledBlob | undefined {
    return this.#blobs.get(digest);
  }

  /**
   * Spools a stream as it is (the copy's verifier errors it on wrong bytes),
   * or through `transforms` (a decompressor), then hashing what lands in the
   * file.
   */
  async write(
    digest: Digest,
    content: Readable,
    options: { signal?: AbortSignal | undefined; onProgress?: ((bytes: number) => void) | undefined; transforms?: readonly Transform[] } = {},
  ): Promise<SpooledBlob> {
    const path = this.#nextPath(digest);
    const transforms = options.transforms ?? [];
    const counter = createByteCounter({ onProgress: options.onProgress });
    const digester = transforms.length > 0 ? createDigester() : undefined;
    const stages = [content, ...transforms, ...(digester === undefined ? [] : [digester]), counter, createWriteStream(path, { flags: 'wx', mode: 0o600 })];
    try {
      await pipeline(stages, { signal: options.signal });
    } catch (error) {
      await rm(path, { force: true }).catch(() => undefined);
      // The spool's own file failing (a full disk) is said as such; the content's errors pass unchanged.
      throw errnoCode(error) === undefined ? error : fsError(error, `spooling blob ${digest}`, this.dir, options.signal);
    }
    const blob: SpooledBlob = { path, size: counter.bytes, storedDigest: digester?.digest() ?? digest };
    this.#blobs.set(digest, blob);
    return blob;
  }

  /**
   * Replaces a spooled blob with what `transforms` make of it (a layer
   * decompressed for a docker archive); the original file is removed.
   */
  async rewrite(digest: Digest, transforms: readonly Transform[], signal?: AbortSignal): Promise<SpooledBlob> {
    const original = this.#blobs.get(digest);
    if (original === undefined) throw new Error(`internal: blob ${digest} is not spooled`);
    this.#blobs.delete(digest);
    try {
      return await this.write(digest, createReadStream(original.path), { signal, transforms });
    } finally {
      await rm(original.path, { force: true });
    }
  }

  /** Removes the directory and everything in it. */
  async remove(): Promise<void> {
    this.#blobs.clear();
    await rm(this.dir, { recursive: true, force: true });
  }

  #nextPath(digest: Digest): string {
    return join(this.dir, `${++this.#counter}-${digest.slice('sha256:'.length)}`);
  }
}
