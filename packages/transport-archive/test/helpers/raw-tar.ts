import { createHash } from 'node:crypto';
import { Header } from 'tar';

/** One member of a hand-built tar; anything may be a lie. */
export interface RawEntry {
  readonly name: string;
  readonly type?: 'File' | 'SymbolicLink' | 'Link' | 'Directory';
  readonly data?: Buffer | string;
  readonly linkpath?: string;
  /** The size written in the header, when it should differ from the data's. */
  readonly declaredSize?: number;
}

/**
 * A tar built header by header with node-tar's `Header`, so tests can write
 * what no well-behaved writer would: absolute names, `..`, links out of the
 * archive, sizes that lie, duplicates.
 */
export function buildTar(entries: readonly RawEntry[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0));
    const type = entry.type ?? 'File';
    const header = new Header({
      path: entry.name,
      type,
      size: entry.declaredSize ?? (type === 'File' ? data.length : 0),
      mode: type === 'Directory' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(0),
      linkpath: entry.linkpath,
    });
    header.encode();
    parts.push(header.block as Buffer, data);
    const padding = (512 - (data.length % 512)) % 512;
    if (entry.declaredSize === undefined) parts.push(Buffer.alloc(padding));
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A small valid layer: a tar with one file. */
export function layerTar(content = 'layer content'): Buffer {
  return buildTar([{ name: 'file.txt', data: content }]);
}

/** A minimal image config for the given layer diff_ids. */
export function imageConfig(diffIds: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }));
}

/** The members of an OCI layout holding one image (manifest from config and layer blobs). */
export function ociLayoutEntries(
  config: Buffer,
  layers: readonly { bytes: Buffer; mediaType: string }[],
  tag: string | undefined = 'v1',
  annotations?: Record<string, string>,
): { entries: RawEntry[]; manifest: Buffer; manifestDigest: string } {
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: sha256(l.bytes), size: l.bytes.length })),
      ...(annotations === undefined ? {} : { annotations }),
    }),
  );
  const manifestDigest = sha256(manifest);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifestDigest,
        size: manifest.length,
        ...(tag === undefined ? {} : { annotations: { 'org.opencontainers.image.ref.name': tag } }),
      },
    ],
  };
  const blob = (bytes: Buffer): RawEntry => ({ name: `blobs/sha256/${sha256(bytes).slice(7)}`, data: bytes });
  return {
    entries: [
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', data: JSON.stringify(index) },
      blob(manifest),
      blob(config),
      ...layers.map((l) => blob(l.bytes)),
    ],
    manifest,
    manifestDigest,
  };
}
