// The source reads layouts made by umoci exactly as skopeo reads them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/digest/index.js';
import { openOciLayoutSource } from '../../src/image/oci-layout/index.js';
import { MediaType, parseImageManifest } from '../../src/oci/index.js';
import { ociRef, sha256Hex, skopeoRaw, useTempDirs, umociLayout, warnIfMissing } from './layout-tools.js';

const temp = useTempDirs();

const ready = warnIfMissing('umoci', 'skopeo');

describe.skipIf(!ready)('openOciLayoutSource on a umoci layout (needs umoci and skopeo)', () => {
  let layout: string;
  beforeAll(async () => {
    layout = await umociLayout(await temp.make());
  });

  it('returns the manifest bytes skopeo reads for the tag, with their digest and media type', async () => {
    const source = await openOciLayoutSource(ociRef(layout, 'v1'));
    try {
      const manifest = await source.readManifest();
      expect(manifest.bytes.equals(await skopeoRaw(`oci:${layout}:v1`))).toBe(true);
      expect(manifest.digest).toBe(sha256Digest(manifest.bytes));
      // umoci writes no mediaType field: the OCI manifest type is implied.
      expect(manifest.mediaType).toBe(MediaType.OCI_MANIFEST);
      expect(source.description).toBe(`oci:${layout}:v1`);
    } finally {
      await source.close();
    }
  });

  it('opens every blob as a stream of exactly its bytes', async () => {
    const source = await openOciLayoutSource(ociRef(layout, 'v1'));
    const manifest = parseImageManifest((await source.readManifest()).bytes);
    expect(manifest.layers.length).toBe(1);
    for (const blob of [manifest.config, ...manifest.layers]) {
      const chunks: Buffer[] = [];
      for await (const chunk of await source.openBlob(blob)) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      expect(bytes.length).toBe(blob.size);
      expect(`sha256:${sha256Hex(bytes)}`).toBe(blob.digest);
      expect(bytes.equals(await readFile(join(layout, 'blobs', 'sha256', blob.digest.slice(7))))).toBe(true);
    }
    await source.close();
  });

  it('reads each tag of a layout holding several', async () => {
    const base = await openOciLayoutSource(ociRef(layout, 'base'));
    expect((await base.readManifest()).bytes.equals(await skopeoRaw(`oci:${layout}:base`))).toBe(true);
    expect(parseImageManifest((await base.readManifest()).bytes).layers).toEqual([]);
  });

  it('reads a child manifest by descriptor, verified', async () => {
    const source = await openOciLayoutSource(ociRef(layout, 'v1'));
    const top = await source.readManifest();
    const child = await source.readChildManifest({ mediaType: MediaType.OCI_MANIFEST, digest: top.digest, size: top.bytes.length });
    expect(child.equals(top.bytes)).toBe(true);
  });

  it('refuses calls after close', async () => {
    const source = await openOciLayoutSource(ociRef(layout, 'v1'));
    await source.close();
    await expect(source.readManifest()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
