// An index entry (multi-platform image) is read as the index itself, its
// children by descriptor; written back, skopeo reads and copies it whole.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openOciLayoutSink, openOciLayoutSource } from '../../src/image/oci-layout/index.js';
import { MediaType, parseImageManifest } from '../../src/oci/index.js';
import { copyByHand } from './copy-by-hand.js';
import { writeMultiPlatformLayout, type MultiPlatformLayout } from './multi-platform-layout.js';
import { blobFiles, ociRef, readIndexJson, sha256Hex, skopeoCopy, skopeoRaw, tool, useTempDirs, warnIfMissing } from './layout-tools.js';

const temp = useTempDirs();

describe('a multi-platform layout', () => {
  let dir: string;
  let layout: MultiPlatformLayout;
  beforeAll(async () => {
    dir = await temp.make();
    layout = await writeMultiPlatformLayout(join(dir, 'multi'));
  });

  it('reads the index as the manifest, and every child and blob', async () => {
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    const top = await source.readManifest();
    expect(top.mediaType).toBe(MediaType.OCI_INDEX);
    expect(top.digest).toBe(layout.index.digest);
    expect(top.bytes.equals(layout.blobs.get(layout.index.digest) ?? Buffer.alloc(0))).toBe(true);
    for (const child of layout.children) {
      const bytes = await source.readChildManifest(child);
      expect(bytes.equals(layout.blobs.get(child.digest) ?? Buffer.alloc(0))).toBe(true);
      const manifest = parseImageManifest(bytes);
      for (const blob of [manifest.config, ...manifest.layers]) {
        const chunks: Buffer[] = [];
        for await (const chunk of await source.openBlob(blob)) chunks.push(chunk as Buffer);
        expect(`sha256:${sha256Hex(Buffer.concat(chunks))}`).toBe(blob.digest);
      }
    }
    await source.close();
  });

  it('is the only image, so no tag is needed', async () => {
    const source = await openOciLayoutSource(ociRef(layout.dir));
    expect((await source.readManifest()).digest).toBe(layout.index.digest);
  });

  it('copies through the sink blob for blob, with the index as the tagged entry', async () => {
    const out = join(dir, 'multi-copy');
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    await copyByHand(source, await openOciLayoutSink(ociRef(out, 'v2')));
    const written = await blobFiles(out);
    expect(written.size).toBe(layout.blobs.size);
    for (const [digest, bytes] of layout.blobs) expect(written.get(`sha256/${digest.slice(7)}`)?.equals(bytes), digest).toBe(true);
    const entries = (await readIndexJson(out)).manifests;
    expect(entries).toEqual([{ mediaType: MediaType.OCI_INDEX, digest: layout.index.digest, size: layout.index.size, annotations: { 'org.opencontainers.image.ref.name': 'v2' } }]);
  });

  describe.skipIf(!warnIfMissing('skopeo'))('checked with skopeo (needs skopeo)', () => {
    it('skopeo reads the index we wrote by hand as we do', async () => {
      expect((await skopeoRaw(`oci:${layout.dir}:multi`)).equals(layout.blobs.get(layout.index.digest) ?? Buffer.alloc(0))).toBe(true);
      // Without --raw skopeo resolves a platform and reads its config: the children are well-formed.
      for (const [arch, child] of [
        ['amd64', layout.children[0]],
        ['arm64', layout.children[1]],
      ] as const) {
        const inspected = JSON.parse(await tool('skopeo', ['--override-os', 'linux', '--override-arch', arch, 'inspect', `oci:${layout.dir}:multi`]));
        expect(inspected.Architecture).toBe(arch);
        // skopeo reports the index's digest, and the chosen child's layers.
        expect(inspected.Digest).toBe(layout.index.digest);
        const manifest = parseImageManifest(layout.blobs.get(child?.digest ?? '') ?? Buffer.alloc(0));
        expect(inspected.Layers).toEqual(manifest.layers.map((layer) => layer.digest));
      }
    });

    it('skopeo copies the whole index out of what the sink wrote', async () => {
      const out = join(dir, 'multi-sink');
      const other = join(dir, 'multi-skopeo');
      await copyByHand(await openOciLayoutSource(ociRef(layout.dir, 'multi')), await openOciLayoutSink(ociRef(out, 'multi')));
      await skopeoCopy(`oci:${out}:multi`, `oci:${other}:multi`, '--all', '--preserve-digests');
      expect((await skopeoRaw(`oci:${other}:multi`)).equals(await skopeoRaw(`oci:${out}:multi`))).toBe(true);
      expect((await blobFiles(other)).size).toBe(layout.blobs.size);
    });
  });
});
