/**
 * A tar writer that writes whatever it is told, header by header: absolute
 * names, `..`, links out of the archive, sizes that lie, duplicates. No
 * well-behaved tar library does that, which is the point.
 */
import { tarHeader } from '@s3lo/oci-fixtures';

export interface TarEntry {
  readonly name: string;
  /** `file` (default), `link` (hard link), `symlink`, `dir`, `fifo`, `char` (device). */
  readonly type?: 'file' | 'link' | 'symlink' | 'dir' | 'fifo' | 'char';
  readonly data?: Buffer;
  readonly linkname?: string;
  /** The size written in the header when it should differ from the data's (the data is written as is, unpadded). */
  readonly declaredSize?: number;
}

const TYPEFLAG = { file: '0', link: '1', symlink: '2', char: '3', dir: '5', fifo: '6' } as const;

function header(entry: TarEntry, size: number): Buffer {
  return tarHeader(entry.name, size, { typeflag: TYPEFLAG[entry.type ?? 'file'], linkname: entry.linkname, mode: entry.type === 'dir' ? 0o755 : 0o644 });
}

/** The archive's bytes; `end: false` leaves off the two zero blocks that end it. */
export function buildTar(entries: readonly TarEntry[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    const size = entry.declaredSize ?? ((entry.type ?? 'file') === 'file' ? data.length : 0);
    parts.push(header(entry, size), data);
    if (entry.declaredSize === undefined) parts.push(Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
