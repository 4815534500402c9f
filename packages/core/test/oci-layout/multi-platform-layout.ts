// A multi-platform layout written by hand, shaped like `docker buildx`
// output: an index of two platform manifests and one attestation manifest
// (platform unknown/unknown), each with a tiny config and layer.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Digest } from '../../src/digest/index.js';
import { MediaType, type Descriptor } from '../../src/oci/index.js';

export interface MultiPlatformLayout {
  readonly dir: string;
  readonly index: Descriptor;
  readonly children: readonly Descriptor[];
  /** Every blob of the layout by digest (configs, layers, manifests, the index). */
  readonly blobs: ReadonlyMap<string, Buffer>;
}

export async function writeMultiPlatformLayout(dir: string, tag = 'multi'): Promise<MultiPlatformLayout> {
  const blobs = new Map<string, Buffer>();
  const put = (mediaType: string, bytes: Buffer, extra: Partial<Descriptor> = {}): Descriptor => {
    const digest = sha256Digest(bytes);
    blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  };
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  const image = (architecture: string, variant: string | undefined, tarBlocks: number) => {
    // An empty tar archive is N >= 2 zero blocks: a valid layer that differs per platform.
    const layer = put(MediaType.OCI_LAYER, Buffer.alloc(512 * tarBlocks));
    const config = put(
      MediaType.OCI_CONFIG,
      json({ architecture, os: 'linux', ...(variant === undefined ? {} : { variant }), rootfs: { type: 'layers', diff_ids: [layer.digest] }, config: {} }),
    );
    const manifest = put(MediaType.OCI_MANIFEST, json({ schemaVersion: 2, mediaType: MediaType.OCI_MANIFEST, config, layers: [layer] }), {
      platform: { architecture, os: 'linux', ...(variant === undefined ? {} : { variant }) },
    });
    return manifest;
  };
  const amd64 = image('amd64', undefined, 2);
  const arm64 = image('arm64', 'v8', 3);

  const statement = put('application/vnd.in-toto+json', json({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: { sha256: amd64.digest.slice(7) } }] }), {
    annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' },
  });
  const attestationConfig = put(MediaType.OCI_CONFIG, json({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.digest] } }));
  const attestation = put(MediaType.OCI_MANIFEST, json({ schemaVersion: 2, mediaType: MediaType.OCI_MANIFEST, config: attestationConfig, layers: [statement] }), {
    platform: { architecture: 'unknown', os: 'unknown' },
    annotations: { 'vnd.docker.reference.digest': amd64.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
  });

  const children = [amd64, arm64, attestation];
  const index = put(MediaType.OCI_INDEX, json({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: children }));

  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  for (const [digest, bytes] of blobs) await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  const entry = { ...index, annotations: { 'org.opencontainers.image.ref.name': tag } };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [entry] }));
  return { dir, index, children, blobs };
}
