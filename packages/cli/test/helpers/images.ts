import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OCI_INDEX, startLayout, writeBlob, writeImage, writeIndexJson } from '@s3lo/oci-fixtures';

/**
 * OCI image layouts written on the spot (with `@s3lo/oci-fixtures`): real
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

/** Layers named file-0.bin, file-1.bin, ... unless a spec names its file. */
const named = (layers: readonly LayerSpec[]) => layers.map((spec, i) => ({ name: spec.name ?? `file-${i}.bin`, size: spec.size }));

/** A single-platform image (linux/amd64 unless told) in an OCI layout at `dir`, tagged `tag`. */
export async function makeImage(dir: string, options: { tag?: string; layers?: readonly LayerSpec[]; platform?: string } = {}): Promise<MadeImage> {
  const tag = options.tag ?? 'v1';
  const [os = 'linux', architecture = 'amd64', variant] = (options.platform ?? 'linux/amd64').split('/');
  await startLayout(dir);
  const { manifest, config, layers } = await writeImage(dir, named(options.layers ?? [{ size: 4096 }, { size: 64 * 1024 }]), { os, architecture, ...(variant ? { variant } : {}) });
  await writeIndexJson(dir, manifest, tag);
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
    const { manifest } = await writeImage(dir, named([{ size: 1000 + i }]), platform);
    children[text] = manifest.digest;
    entries.push({ ...manifest, platform });
  }
  const index = await writeBlob(dir, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries })), OCI_INDEX);
  await writeIndexJson(dir, index, tag);
  return { ref: `oci:${dir}:${tag}`, digest: index.digest, children };
}

/** Every file under `dir`, relative, sorted; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
