import { open, type FileHandle } from 'node:fs/promises';
import { addAbortSignal, pipeline, type Readable } from 'node:stream';
import { ErrorCode, S3loError, throwIfAborted } from '@s3lo/core';
import { createByteCounter } from '@s3lo/core/storage';
import { Header, Pax, type HeaderData } from 'tar';
import { sniffCompression } from '../compression.js';
import { invalidArchive, missingEntry, quote } from '../errors.js';
import { normaliseEntryName, resolveLinkTarget } from './entry-names.js';

const BLOCK = 512;

/** What an indexed entry is. Devices, FIFOs and the rest are `other`. */
export type EntryKind = 'file' | 'symlink' | 'hardlink' | 'other';

/** One member of the archive: where its data is, not the data. */
export interface TarEntry {
  /** The normalised name (`blobs/sha256/<hex>`). */
  readonly name: string;
  readonly kind: EntryKind;
  /** The tar type, for messages (`File`, `SymbolicLink`, `CharacterDevice`, ...). */
  readonly type: string;
  /** Where the entry's first header block starts. */
  readonly headerOffset: number;
  /** Where the data starts: the byte after the header block. */
  readonly dataOffset: number;
  readonly size: number;
  /** The raw link target of a symlink or hard link. */
  readonly linkTarget?: string;
}

/** Limits on what indexing an untrusted archive may cost. */
export interface TarIndexLimits {
  /** Most entries accepted (default 100,000; image archives have a few hundred). */
  readonly maxEntries?: number;
  /** Largest pax or GNU long-name record read into memory (default 1 MiB). */
  readonly maxMetadataBytes?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_MAX_METADATA_BYTES = 1024 * 1024;

// Types whose data is the file's content.
const FILE_TYPES = new Set(['0', '', '7']);
// Types that never have data: a non-zero size on them is read as data by some
// tools and skipped by others (Go's archive/tar, which docker and skopeo use),
// so the two would see different archives from that point on.
const HEADER_ONLY_TYPES = new Set(['1', '2', '3', '4', '6']);
// Types whose layout this reader cannot skip reliably.
const REFUSED_TYPES: ReadonlyMap<string, string> = new Map([
  ['S', 'GNU sparse files are not supported'],
  ['M', 'multi-volume archives are not supported'],
]);

/**
 * A tar archive on disk, indexed once: one pass over the headers records
 * where every member's data is, seeking over the data itself, so a
 * `manifest.json` or `index.json` stored after gigabytes of layers costs a
 * few reads, and nothing is extracted. Members are then read as byte ranges
 * of the file.
 *
 * Offsets: `tar` (node-tar) parses archives only as a stream and its
 * streaming parser exposes no member offsets, so the header loop is here:
 * it reads each 512-byte header block with positional reads and decodes it
 * with node-tar's documented low-level `Header` (checksum, ustar prefix,
 * base-256 sizes, pending pax fields applied only to file-system entries)
 * and `Pax.parse`; GNU long names (`L`/`K`) are read here. The data
 * of a member then starts at its header's offset + 512 and the next header
 * at that + the size rounded up to 512.
 *
 * The file stays open until {@link TarArchive.close}, so a file replaced on
 * disk meanwhile is not read half old, half new.
 */
export class TarArchive {
  readonly #handle: FileHandle;
  readonly #entries: ReadonlyMap<string, TarEntry>;

  private constructor(
    /** The archive's path, as given. */
    readonly path: string,
    handle: FileHandle,
    entries: ReadonlyMap<string, TarEntry>,
  ) {
    this.#handle = handle;
    this.#entries = entries;
  }

  /**
   * Opens and indexes an archive. Refuses (INVALID_MANIFEST, nothing read
   * beyond headers) an archive with a corrupt header, an entry name that is
   * absolute, has a `..` component or a Windows separator, two members of
   * the same name, or a type it cannot skip; refuses with SIZE_MISMATCH one
   * whose header announces more data than the file holds.
   */
  static async open(path: string, options: { signal?: AbortSignal | undefined } & TarIndexLimits = {}): Promise<TarArchive> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw openError(path, error);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${quote(path)} is not a regular file; an archive must be a tar file`, { details: { archive: path } });
      }
      const entries = await indexEntries(path, handle, stat.size, options);
      return new TarArchive(path, handle, entries);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** The entry of that (normalised) name, link or not. */
  entry(name: string): TarEntry | undefined {
    return this.#entries.get(name);
  }

  /**
   * The regular file to read for `name`. A symlink or hard link is followed
   * once, to another member: `docker save` stores a layer shared by two
   * images as a link to the first copy. A link leaving the archive, a chain
   * of links, a hard link to a later member, or a device is refused
   * (INVALID_MANIFEST); an absent name or link target is NOT_FOUND. Links
   * are resolved against the index only: nothing outside the archive is
   * ever opened.
   */
  resolveFile(name: string, what: string): TarEntry {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw missingEntry(this.path, name, what);
    if (entry.kind === 'file') return entry;
    if (entry.kind === 'other') {
      throw invalidArchive(this.path, `${what} ${quote(name)} is a ${entry.type} entry, not a regular file`, { entry: name, type: entry.type });
    }
    const target = resolveLinkTarget(entry.name, entry.linkTarget ?? '', entry.kind);
    if ('problem' in target) {
      throw invalidArchive(this.path, `${what} ${quote(name)} is a ${entry.kind} and ${target.problem}; such links are refused`, {
        entry: name,
        linkTarget: entry.linkTarget,
      });
    }
    const resolved = this.#entries.get(target.name);
    if (resolved === undefined) {
      throw new S3loError(ErrorCode.NOT_FOUND, `${what} ${quote(name)} is a ${entry.kind} to ${quote(target.name)}, which is not in the archive ${quote(this.path)}`, {
        details: { archive: this.path, entry: name, linkTarget: target.name },
      });
    }
    if (resolved.kind !== 'file') {
      throw invalidArchive(this.path, `${what} ${quote(name)} is a ${entry.kind} to ${quote(target.name)}, which is not a regular file (links are followed once)`, {
        entry: name,
        linkTarget: target.name,
      });
    }
    if (entry.kind === 'hardlink' && resolved.headerOffset > entry.headerOffset) {
      throw invalidArchive(this.path, `${what} ${quote(name)} is a hard link to ${quote(target.name)}, which comes later in the archive`, {
        entry: name,
        linkTarget: target.name,
      });
    }
    return resolved;
  }

  /**
   * The whole data of a small member (a manifest, a config), refused with
   * TOO_LARGE over `maxBytes` before anything is read.
   */
  async readFile(entry: TarEntry, maxBytes: number, what: string): Promise<Buffer> {
    if (entry.size > maxBytes) {
      throw new S3loError(ErrorCode.TOO_LARGE, `${what} ${quote(entry.name)} is ${entry.size} bytes, more than the limit of ${maxBytes}`, {
        details: { archive: this.path, entry: entry.name, size: entry.size, limit: maxBytes },
      });
    }
    const buffer = Buffer.alloc(entry.size);
    await readExactly(this.path, this.#handle, buffer, entry.size, entry.dataOffset);
    return buffer;
  }

  /** The first `length` bytes of a member (fewer if it is shorter): for sniffing compression. */
  async readHead(entry: TarEntry, length: number): Promise<Buffer> {
    const n = Math.min(length, entry.size);
    const buffer = Buffer.alloc(n);
    await readExactly(this.path, this.#handle, buffer, n, entry.dataOffset);
    return buffer;
  }

  /**
   * A member's data as a stream of exactly `entry.size` bytes, read from its
   * range of the file; it fails with SIZE_MISMATCH instead of ending early
   * if the file was truncated meanwhile. Several may be open at once.
   */
  openRange(entry: TarEntry, signal?: AbortSignal): Readable {
    const counter = createByteCounter({ size: entry.size, label: `archive member ${quote(entry.name)}` });
    if (entry.size === 0) {
      counter.end();
    } else {
      const range = this.#handle.createReadStream({ start: entry.dataOffset, end: entry.dataOffset + entry.size - 1, autoClose: false });
      // pipeline carries a read error into the counter and, when the
      // consumer destroys the counter, stops the read.
      pipeline(range, counter, () => {});
    }
    return signal === undefined ? counter : addAbortSignal(signal, counter);
  }

  /** Closes the file. Streams still open then fail. */
  async close(): Promise<void> {
    await this.#handle.close();
  }
}

async function indexEntries(path: string, handle: FileHandle, fileSize: number, options: { signal?: AbortSignal | undefined } & TarIndexLimits): Promise<Map<string, TarEntry>> {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxMetadata = options.maxMetadataBytes ?? DEFAULT_MAX_METADATA_BYTES;
  const entries = new Map<string, TarEntry>();
  const directories = new Set<string>();
  const block = Buffer.alloc(BLOCK);
  // Metadata that applies to the next file-system entry.
  let pax: HeaderData | undefined;
  let longPath: string | undefined;
  let longLink: string | undefined;
  let offset = 0;
  let count = 0;

  const fail = (problem: string, details: Record<string, unknown> = {}, hint?: string): never => {
    throw invalidArchive(path, problem, { offset, ...details }, hint);
  };
  const readMetadata = async (size: number, what: string): Promise<string> => {
    if (size > maxMetadata) fail(`the ${what} record at offset ${offset} is ${size} bytes, more than the limit of ${maxMetadata}`);
    const data = Buffer.alloc(size);
    await readExactly(path, handle, data, size, offset + BLOCK);
    return data.toString('utf8');
  };

  for (;;) {
    throwIfAborted(options.signal);
    // An archive that simply stops at a header boundary, without the two
    // zero blocks, is accepted, as Go's archive/tar (docker, skopeo) does.
    if (offset === fileSize) break;
    if (offset + BLOCK > fileSize) {
      throw truncated(path, `the archive ends inside a header block at offset ${offset}`, { offset, fileSize });
    }
    await readExactly(path, handle, block, BLOCK, offset);
    if (isZeroBlock(block)) {
      // End of archive: two zero blocks. A zero block followed by data is
      // not an end marker every reader agrees on, so it is refused.
      if (offset + 2 * BLOCK <= fileSize) {
        await readExactly(path, handle, block, BLOCK, offset + BLOCK);
        if (!isZeroBlock(block)) fail(`a lone zero block at offset ${offset} is followed by more data`);
      }
      break;
    }

    if (offset === 0) {
      const compression = sniffCompression(block);
      if (compression !== 'none') {
        fail(`it is ${compression}-compressed, not a plain tar`, {}, `decompress it first (${compression === 'gzip' ? 'gunzip' : 'unzstd'}), then use the .tar`);
      }
    }
    let header: Header;
    try {
      header = new Header(block, 0, pax);
    } catch (error) {
      return fail(`the header at offset ${offset} is corrupt (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!header.cksumValid) fail(`the header at offset ${offset} has a wrong checksum: this is not a tar archive, or it is corrupt`);
    const typeKey = header.typeKey;
    const declaredSize = header.size;
    if (declaredSize === undefined || !Number.isSafeInteger(declaredSize) || declaredSize < 0) {
      fail(`the header at offset ${offset} has no valid size`);
    }
    const size = declaredSize as number;
    const refusal = REFUSED_TYPES.get(typeKey);
    if (refusal !== undefined) fail(`the entry at offset ${offset} is of type ${JSON.stringify(typeKey)}: ${refusal}`);
    if (HEADER_ONLY_TYPES.has(typeKey) && size !== 0) {
      fail(`the ${header.type} entry at offset ${offset} declares ${size} bytes of data; tar readers disagree about such data, so the archive is refused`);
    }
    const dataOffset = offset + BLOCK;
    if (dataOffset + size > fileSize) {
      throw truncated(path, `the entry at offset ${offset} announces ${size} bytes of data but the archive ends after ${fileSize - dataOffset}`, {
        offset,
        size,
        available: fileSize - dataOffset,
      });
    }
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;

    switch (typeKey) {
      case 'x': {
        if (pax !== undefined) fail(`two pax headers in a row at offset ${offset}`);
        pax = Pax.parse(await readMetadata(size, 'pax'), undefined, false);
        offset = next;
        continue;
      }
      case 'g': {
        // Go's archive/tar does not apply global pax records to later
        // entries; node-tar would. Records that change what is read are
        // refused rather than read two ways; the rest (a `git archive`
        // comment) do not matter here.
        const global = Pax.parse(await readMetadata(size, 'pax global'), undefined, true);
        if (global.path !== undefined || global.linkpath !== undefined || global.size !== undefined) {
          fail(`the global pax header at offset ${offset} sets path, linkpath or size for every later entry; tar readers disagree about that`);
        }
        offset = next;
        continue;
      }
      case 'L':
      case 'K': {
        const value = (await readMetadata(size, 'GNU long name')).replace(/\0.*$/s, '');
        if (typeKey === 'L') {
          if (longPath !== undefined) fail(`two GNU long names in a row at offset ${offset}`);
          longPath = value;
        } else {
          if (longLink !== undefined) fail(`two GNU long link names in a row at offset ${offset}`);
          longLink = value;
        }
        offset = next;
        continue;
      }
      default:
        break;
    }

    const rawName = pickName(header.path ?? '', pax?.path, longPath, () => fail(`the entry at offset ${offset} has a pax path and a different GNU long name`));
    const rawLink = pickName(header.linkpath ?? '', pax?.linkpath, longLink, () => fail(`the entry at offset ${offset} has a pax link path and a different GNU long link name`));
    pax = undefined;
    longPath = undefined;
    longLink = undefined;

    const check = normaliseEntryName(rawName);
    if ('problem' in check) fail(`the entry ${quote(rawName)} is refused: ${check.problem}`, { entry: rawName });
    const name = (check as { name: string }).name;
    if (++count > maxEntries) {
      throw new S3loError(ErrorCode.TOO_LARGE, `archive ${quote(path)} has more than ${maxEntries} entries`, { details: { archive: path, limit: maxEntries } });
    }
    if (typeKey === '5') {
      if (entries.has(name)) fail(`the name ${quote(name)} is both a directory and another entry`, { entry: name });
      directories.add(name);
      offset = next;
      continue;
    }
    if (name === '') fail(`the entry ${quote(rawName)} at offset ${offset} has an empty name`, { entry: rawName });
    // Tar readers disagree on which of two same-named members counts (the
    // last one for extraction, the first one for a search): either way
    // another tool could see different content than we do.
    if (entries.has(name) || directories.has(name)) fail(`the name ${quote(name)} appears twice`, { entry: name });
    const kind: EntryKind = FILE_TYPES.has(typeKey) ? 'file' : typeKey === '2' ? 'symlink' : typeKey === '1' ? 'hardlink' : 'other';
    entries.set(name, {
      name,
      kind,
      type: header.type,
      headerOffset: offset,
      dataOffset,
      size: kind === 'file' || kind === 'other' ? size : 0,
      ...(kind === 'symlink' || kind === 'hardlink' ? { linkTarget: rawLink } : {}),
    });
    offset = next;
  }
  return entries;
}

// The name an entry goes by. A pax record or a GNU long name replaces the
// header's name and ustar prefix whole (node-tar's Header would prepend the
// prefix to a pax path, which node-tar's own writer sets for long names);
// when both are given they must agree, since readers prefer different ones.
function pickName(headerName: string, paxName: string | undefined, gnuName: string | undefined, conflict: () => never): string {
  if (gnuName !== undefined && paxName !== undefined && paxName !== gnuName) conflict();
  return paxName ?? gnuName ?? headerName;
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

function truncated(path: string, problem: string, details: Record<string, unknown>): S3loError {
  return new S3loError(ErrorCode.SIZE_MISMATCH, `archive ${quote(path)} is truncated or lies about sizes: ${problem}`, {
    details: { archive: path, ...details },
  });
}

async function readExactly(path: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) {
      throw truncated(path, `it ended at ${position + done} while ${length - done} more bytes were expected (was it changed while being read?)`, {
        offset: position + done,
      });
    }
    done += bytesRead;
  }
}

function openError(path: string, error: unknown): S3loError {
  const code = (error as { code?: unknown })?.code;
  if (code === 'ENOENT') {
    return new S3loError(ErrorCode.NOT_FOUND, `archive ${quote(path)} does not exist`, { cause: error, details: { archive: path } });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new S3loError(ErrorCode.PERMISSION_DENIED, `cannot read archive ${quote(path)}: permission denied`, { cause: error, details: { archive: path } });
  }
  if (code === 'EISDIR') {
    return new S3loError(ErrorCode.INVALID_ARGUMENT, `${quote(path)} is a directory; an archive must be a tar file`, {
      cause: error,
      details: { archive: path },
      hint: 'for an OCI layout directory use oci:<dir>',
    });
  }
  return new S3loError(ErrorCode.BACKEND_ERROR, `cannot open archive ${quote(path)}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    details: { archive: path },
  });
}
