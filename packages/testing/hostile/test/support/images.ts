/**
 * Images for the harnesses, in OCI layouts written in code (real tar layers,
 * see @s3lo/oci-fixtures) with seeded contents: the same seed makes the same
 * digests, and layers with the same seed are the same blob, which is how
 * images share layers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OCI_INDEX, startLayout, writeBlob, writeImage, type Desc } from '@s3lo/oci-fixtures';
import { seededByteSource } from './random.js';

export type { Desc } from '@s3lo/oci-fixtures';

/** A layer to write: its file's size and the seed of its bytes. */
export interface LayerSpec {
  readonly seed: string;
  readonly size: number;
}

/** One image manifest with its blobs. */
export interface BuiltImage {
  readonly manifest: Desc;
  readonly manifestBytes: Buffer;
  readonly config: Desc;
  readonly layers: readonly Desc[];
}

/** An image as pushed: the tag's manifest (or index) and every blob it reaches. */
export interface PushableImage {
  /** `oci:<layout>:<tag>`. */
  readonly ref: string;
  /** The tag's top manifest or index. */
  readonly top: Desc;
  readonly topBytes: Buffer;
  /** Configs and layers: what a copy counts as copied or skipped. */
  readonly contents: readonly Desc[];
  /** Child manifests of an index (stored as blobs, not counted by copy results). */
  readonly children: readonly Desc[];
}

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
] as const;

/** Writes one image manifest (layers, config, manifest) into the layout at `dir`. */
export function buildImage(dir: string, layers: readonly LayerSpec[], platform: { os: string; architecture: string; variant?: string } = PLATFORMS[0]): Promise<BuiltImage> {
  return writeImage(
    dir,
    layers.map((layer, i) => ({ name: `file-${i}.bin`, size: layer.size, bytes: seededByteSource(layer.seed) })),
    platform,
  );
}

/** Writes an OCI index of two platforms, each an image of `layers` (seeds suffixed per platform). */
export async function buildIndex(dir: string, layers: readonly LayerSpec[]): Promise<{ index: Desc; indexBytes: Buffer; children: BuiltImage[] }> {
  const children: BuiltImage[] = [];
  for (const platform of PLATFORMS) {
    children.push(
      await buildImage(
        dir,
        layers.map((l) => ({ ...l, seed: `${l.seed}/${platform.architecture}` })),
        platform,
      ),
    );
  }
  const indexBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c, i) => ({ ...c.manifest, platform: PLATFORMS[i] })),
    }),
  );
  const index = await writeBlob(dir, indexBytes, OCI_INDEX);
  return { index, indexBytes, children };
}

/** Writes the layout's `index.json` naming each top manifest by its tag. */
export async function writeTags(dir: string, tags: readonly { tag: string; top: Desc }[]): Promise<void> {
  const manifests = tags.map(({ tag, top }) => ({ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}

/** A single-platform image of `layers` alone in a new layout at `dir`, tagged `tag`. */
export async function singleImageLayout(dir: string, layers: readonly LayerSpec[], tag = 'v1'): Promise<PushableImage> {
  await startLayout(dir);
  const image = await buildImage(dir, layers);
  await writeTags(dir, [{ tag, top: image.manifest }]);
  return pushable(dir, tag, image);
}

/** A two-platform index of `layers` alone in a new layout at `dir`, tagged `tag`. */
export async function indexImageLayout(dir: string, layers: readonly LayerSpec[], tag = 'v1'): Promise<PushableImage> {
  await startLayout(dir);
  const { index, indexBytes, children } = await buildIndex(dir, layers);
  await writeTags(dir, [{ tag, top: index }]);
  return {
    ref: `oci:${dir}:${tag}`,
    top: index,
    topBytes: indexBytes,
    contents: dedupe(children.flatMap((c) => [c.config, ...c.layers])),
    children: children.map((c) => c.manifest),
  };
}

/** The pushable view of an image in a layout. */
export function pushable(dir: string, tag: string, image: BuiltImage): PushableImage {
  return { ref: `oci:${dir}:${tag}`, top: image.manifest, topBytes: image.manifestBytes, contents: dedupe([image.config, ...image.layers]), children: [] };
}

export function dedupe(descs: readonly Desc[]): Desc[] {
  const seen = new Map<string, Desc>();
  for (const d of descs) if (!seen.has(d.digest)) seen.set(d.digest, d);
  return [...seen.values()];
}

export const KiB = 1024;
export const MiB = 1024 * 1024;
