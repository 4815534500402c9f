// Small generated images written through BucketStore (blobs first, then the tag).
import { randomBytes } from 'node:crypto';
import { sha256Digest, type Digest } from '../../src/digest/digest.js';
import type { BucketStore } from '../../src/image/bucket-store.js';

export interface Blob {
  readonly digest: Digest;
  readonly size: number;
  readonly bytes: Buffer;
}

export function blobOf(bytes: Buffer | string): Blob {
  const buffer = Buffer.from(bytes);
  return { digest: sha256Digest(buffer), size: buffer.length, bytes: buffer };
}

export function randomLayer(size = 64): Blob {
  return blobOf(randomBytes(size));
}

export function configFor(platform: { os: string; architecture: string }, salt = ''): Blob {
  return blobOf(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, salt }));
}

export interface BuiltManifest {
  readonly bytes: Buffer;
  readonly digest: Digest;
  readonly config: Blob;
  readonly layers: Blob[];
}

export async function putManifest(store: BucketStore, config: Blob, layers: Blob[]): Promise<BuiltManifest> {
  for (const blob of [config, ...layers]) await store.putBlob(blob.digest, blob.size, blob.bytes);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  return { bytes, digest: sha256Digest(bytes), config, layers };
}

/** A single-platform image tagged `image:tag`. */
export async function pushImage(store: BucketStore, image: string, tag: string, layers: Blob[] = [randomLayer()]): Promise<BuiltManifest> {
  const built = await putManifest(store, configFor({ os: 'linux', architecture: 'amd64' }, `${image}:${tag}`), layers);
  await store.writeTag(image, tag, built.bytes);
  return built;
}
