/**
 * OCI image layouts written in code, for tests that need real images
 * without an image tool: uncompressed tar layers holding one file of random
 * bytes (streamed to disk and hashed on the way, never held in memory), a
 * config whose diff_ids match, a manifest, and `index.json` naming the top
 * manifest by tag. The CLI tests and the S3 end-to-end tests build their
 * images from these pieces.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

/** A descriptor as the layout's manifests hold it. */
export interface Desc {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { os: string; architecture: string; variant?: string };
  readonly annotations?: Record<string, string>;
}

/** A manifest with its config and layers, all written as blobs. */
export interface ImageParts {
  readonly manifest: Desc;
  readonly manifestBytes: Buffer;
  readonly config: Desc;
  readonly layers: Desc[];
}

export const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Where a blob of the layout at `layout` lives. */
export function blobPath(layout: string, digest: string): string {
  return join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Creates `blobs/sha256/` and the `oci-layout` marker. */
export async function startLayout(dir: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}

/** Writes bytes as a blob of the layout. */
export async function writeBlob(dir: string, bytes: Buffer, mediaType: string): Promise<Desc> {
  const digest = sha256(bytes);
  await writeFile(blobPath(dir, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}

/**
 * A ustar header (what tar(1) writes, minus the optional fields): a regular
 * file by default; `typeflag` and `linkname` make links, directories,
 * devices, FIFOs, and `size` may say anything (hostile archives in tests).
 */
export function tarHeader(name: string, size: number, options: { typeflag?: string; linkname?: string; mode?: number } = {}): Buffer {
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number): void => void header.write(text.slice(0, length), offset, 'ascii');
  const octal = (n: number, length: number): string => `${n.toString(8).padStart(length - 1, '0')}\0`;
  put(name, 0, 100);
  put(octal(options.mode ?? 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put('        ', 148, 8);
  put(options.typeflag ?? '0', 156, 1);
  if (options.linkname !== undefined) put(options.linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

/**
 * Where a layer's file bytes come from: `length` bytes at a time, in order.
 * Random by default; a seeded source makes the layer reproducible.
 */
export type ByteSource = (length: number) => Buffer;

/** Streams a tar layer holding one file `name` of `size` bytes (random unless `bytes` is given) into the layout, hashing on the way. */
export async function writeTarLayer(dir: string, name: string, size: number, bytes: ByteSource = randomBytes): Promise<Desc> {
  const temp = join(dir, 'blobs', `layer-${randomBytes(6).toString('hex')}.tmp`);
  const out = createWriteStream(temp);
  const hash = createHash('sha256');
  let total = 0;
  const put = async (chunk: Buffer): Promise<void> => {
    hash.update(chunk);
    total += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await put(tarHeader(name, size));
  const CHUNK = 8 << 20;
  for (let left = size; left > 0; left -= CHUNK) await put(bytes(Math.min(CHUNK, left)));
  await put(Buffer.alloc(((512 - (size % 512)) % 512) + 1024));
  out.end();
  await once(out, 'close');
  const digest = `sha256:${hash.digest('hex')}`;
  await rename(temp, blobPath(dir, digest));
  return { mediaType: LAYER_TAR, digest, size: total };
}

/**
 * One image: a tar layer per entry of `layers` (file name, size, and where
 * its bytes come from: random by default, a seeded source makes the layer
 * reproducible and lets images share it), its config and manifest.
 */
export async function writeImage(
  dir: string,
  layers: readonly { readonly name: string; readonly size: number; readonly bytes?: ByteSource }[],
  platform: { os: string; architecture: string; variant?: string },
): Promise<ImageParts> {
  const written: Desc[] = [];
  for (const layer of layers) written.push(await writeTarLayer(dir, layer.name, layer.size, layer.bytes));
  const config = await writeBlob(
    dir,
    Buffer.from(JSON.stringify({ ...platform, config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: written.map((l) => l.digest) } })),
    OCI_CONFIG,
  );
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: written }));
  const manifest = await writeBlob(dir, manifestBytes, OCI_MANIFEST);
  return { manifest, manifestBytes, config, layers: written };
}

/** Writes `index.json` naming `top` by `tag`. */
export async function writeIndexJson(dir: string, top: Desc, tag: string): Promise<void> {
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
}

/**
 * A multi-platform image in the OCI layout at `dir`, tagged `v1`: an OCI
 * index of linux/amd64 and linux/arm64/v8, each a config and two tar
 * layers (~3 KB and ~300 KB). `blobs` is every blob but the index (which
 * a bucket keeps as the tag's manifest.json, not as a blob).
 */
export async function writeMultiPlatformImage(dir: string): Promise<{ index: Desc; blobs: Desc[] }> {
  await startLayout(dir);
  const amd64 = await writeImage(
    dir,
    [
      { name: 'a.bin', size: 3000 },
      { name: 'b.bin', size: 300_000 },
    ],
    { os: 'linux', architecture: 'amd64' },
  );
  const arm64 = await writeImage(
    dir,
    [
      { name: 'a.bin', size: 3001 },
      { name: 'b.bin', size: 300_001 },
    ],
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  );
  const entries = [
    { ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } },
    { ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ];
  const index = await writeBlob(dir, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries })), OCI_INDEX);
  await writeIndexJson(dir, index, 'v1');
  return { index, blobs: [amd64, arm64].flatMap((image) => [image.manifest, image.config, ...image.layers]) };
}
