// Drives a source and a sink in the order the ImageSink contract fixes
// (begin, blobs, child manifests, commit, close), the way the copy will:
// so the sink is tested as it will be called, without depending on it.
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDigestVerifier } from '../../src/digest/index.js';
import type { ImageSink, ImageSource } from '../../src/image/transport.js';
import { parseImageManifest, parseManifestDocument, type Descriptor } from '../../src/oci/index.js';

export async function copyByHand(source: ImageSource, sink: ImageSink): Promise<void> {
  let committed = false;
  try {
    const top = await source.readManifest();
    const doc = parseManifestDocument(top.bytes);
    const children: { descriptor: Descriptor; bytes: Buffer }[] = [];
    const blobs: Descriptor[] = [];
    if (doc.kind === 'index') {
      for (const descriptor of doc.index.manifests) {
        const bytes = await source.readChildManifest(descriptor);
        children.push({ descriptor, bytes });
        const manifest = parseImageManifest(bytes);
        blobs.push(manifest.config, ...manifest.layers);
      }
    } else {
      blobs.push(doc.manifest.config, ...doc.manifest.layers);
    }
    await sink.begin?.(blobs.map((blob) => blob.digest));
    await Promise.all(
      blobs.map(async (blob) => {
        if (await sink.hasBlob(blob)) return;
        await sink.writeBlob(blob, sink.verifiesBlobs === true ? await source.openBlob(blob) : await verified(source, blob));
      }),
    );
    for (const child of children) await sink.writeChildManifest(child.descriptor, child.bytes);
    await sink.commit(top);
    committed = true;
  } finally {
    await sink.close({ committed });
  }
}

/** The blob stream as the copy hands it to a sink: verified while it flows. */
async function verified(source: ImageSource, blob: Descriptor) {
  const out = new PassThrough();
  void pipeline(await source.openBlob(blob), createDigestVerifier({ digest: blob.digest, size: blob.size }), out).catch((error: unknown) => out.destroy(error as Error));
  return out;
}
