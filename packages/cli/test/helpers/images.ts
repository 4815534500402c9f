import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

/**
 * OCI image layouts written on the spot, as `scripts/demo.mjs` does: real
 * uncompressed tar layers (one file of random bytes each), a config whose
 * diff_ids match, a manifest, and `index.json` naming it by tag. Nothing
 * big is committed; a 200 MiB image takes about a second to make.
 */

export interface LayerSpec {
  /** Bytes of the file inside the layer tar. */
  readonly size: number;
  readonly name?: string;
}

export interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

export interface MadeImage {
  /** `oci:<dir>:<tag>` */
  readonly ref: string;
  readonly dir: string;
  /** Digest of the manifest (or index). */
  readonly digest: string;
  readonly config: Blob;
  readonly layers: Blob[];
  /** Config plus layer sizes. */
  readonly totalSize: number;
}

const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function startLayout(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

async function writeBlob(dir: string, bytes: Buffer, mediaType: string): Promise<Blob> {
  const digest = sha256(bytes);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** A ustar header for one regular file (what tar(1) writes, minus the optional fields). */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number): void => void header.write(text.slice(0, length), offset, 'ascii');
  const octal = (n: number, length: number): string => `${n.toString(8).padStart(length - 1, '0')}\0`;
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

/** Streams a tar layer of one random file into the layout, hashing on the way (no big buffer). */
async function writeTarLayer(dir: string, spec: LayerSpec): Promise<Blob> {
  const temp = join(dir, 'blobs', `layer-${randomBytes(6).toString('hex')}.tmp`);
  const out = createWriteStream(temp);
  const hash = createHash('sha256');
  let size = 0;
  const put = async (chunk: Buffer): Promise<void> => {
    hash.update(chunk);
    size += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await put(tarHeader(spec.name ?? 'data.bin', spec.size));
  const CHUNK = 8 << 20;
  for (let left = spec.size; left > 0; left -= CHUNK) await put(randomBytes(Math.min(CHUNK, left)));
  const pad = (512 - (spec.size % 512)) % 512;
  await put(Buffer.alloc(pad + 1024));
  out.end();
  await once(out, 'close');
  const digest = `sha256:${hash.digest('hex')}`;
  await rename(temp, join(dir, 'blobs', 'sha256', digest.slice(7)));
  return { mediaType: LAYER_TAR, digest, size };
}

async function writeImage(dir: string, layers: readonly LayerSpec[], platform: { os: string; architecture: string; variant?: string }) {
  const written: Blob[] = [];
  for (const [i, spec] of layers.entries()) written.push(await writeTarLayer(dir, { name: `file-${i}.bin`, ...spec }));
  const config = await writeBlob(
    dir,
    Buffer.from(JSON.stringify({ ...platform, config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: written.map((l) => l.digest) } })),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifestBytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: written }),
  );
  const manifest = await writeBlob(dir, manifestBytes, 'application/vnd.oci.image.manifest.v1+json');
  return { manifest, config, layers: written };
}

/** A single-platform image (linux/amd64 unless told) in an OCI layout at `dir`, tagged `tag`. */
export async function makeImage(dir: string, options: { tag?: string; layers?: readonly LayerSpec[]; platform?: string } = {}): Promise<MadeImage> {
  const tag = options.tag ?? 'v1';
  const [os = 'linux', architecture = 'amd64', variant] = (options.platform ?? 'linux/amd64').split('/');
  await startLayout(dir);
  const { manifest, config, layers } = await writeImage(dir, options.layers ?? [{ size: 4096 }, { size: 64 * 1024 }], { os, architecture, ...(variant ? { variant } : {}) });
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
  return { ref: `oci:${dir}:${tag}`, dir, digest: manifest.digest, config, layers, totalSize: config.size + layers.reduce((s, l) => s + l.size, 0) };
}

/** A multi-platform image: an OCI index with one small image per platform. */
export async function makeIndexImage(dir: string, platforms: readonly string[], tag = 'v1'): Promise<{ ref: string; digest: string; children: Record<string, string> }> {
  await startLayout(dir);
  const children: Record<string, string> = {};
  const entries = [];
  for (const [i, text] of platforms.entries()) {
    const [os = 'linux', architecture = 'amd64', variant] = text.split('/');
    const platform = { os, architecture, ...(variant ? { variant } : {}) };
    const { manifest } = await writeImage(dir, [{ size: 1000 + i }], platform);
    children[text] = manifest.digest;
    entries.push({ ...manifest, platform });
  }
  const index = await writeBlob(
    dir,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries })),
    'application/vnd.oci.image.index.v1+json',
  );
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...index, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return { ref: `oci:${dir}:${tag}`, digest: index.digest, children };
}

/** Every file under `dir`, relative, sorted; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
