import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createDigestVerifier, oci, type Digest } from '@s3lo/core';
import type { ImageSink, ImageSource } from '@s3lo/core/image';
import type { Descriptor, ImageManifest } from '@s3lo/core/oci';
import { afterAll } from 'vitest';

const created: string[] = [];
// Registered when a test file imports this module (vitest evaluates it per
// file), so it runs after that file's tests.
afterAll(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the file's tests. */
export async function tempDir(prefix = 's3lo-archive-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Every file and directory under `dir`, relative, sorted (what a test left behind). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((e) => relative(dir, join(dir, e))).sort();
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A source's blob read through the verifier, as the copy reads it. */
export async function readVerified(source: ImageSource, descriptor: Descriptor): Promise<Buffer> {
  const verifier = createDigestVerifier({ digest: descriptor.digest, size: descriptor.size });
  pipeline(await source.openBlob(descriptor), verifier, () => {});
  return readAll(verifier);
}

/** The configs and layers of a manifest or index, each digest once. */
export async function imageBlobs(source: ImageSource): Promise<{ blobs: Descriptor[]; children: { descriptor: Descriptor; bytes: Buffer }[] }> {
  const top = await source.readManifest();
  const document = oci.parseManifestDocument(top.bytes);
  const manifests: ImageManifest[] = [];
  const children: { descriptor: Descriptor; bytes: Buffer }[] = [];
  if (document.kind === 'manifest') manifests.push(document.manifest);
  else {
    for (const descriptor of document.index.manifests) {
      const bytes = await source.readChildManifest(descriptor);
      children.push({ descriptor, bytes });
      manifests.push(oci.parseImageManifest(bytes));
    }
  }
  const seen = new Set<Digest>();
  const blobs: Descriptor[] = [];
  for (const m of manifests) {
    for (const d of [m.config, ...m.layers]) {
      if (!seen.has(d.digest)) blobs.push(d);
      seen.add(d.digest);
    }
  }
  return { blobs, children };
}

/**
 * Drives a sink by hand the way the copy does: every blob through the
 * verifier into writeBlob, child manifests, commit, close.
 */
export async function copyByHand(source: ImageSource, sink: ImageSink): Promise<void> {
  let committed = false;
  try {
    const top = await source.readManifest();
    const { blobs, children } = await imageBlobs(source);
    await sink.begin?.([top.digest, ...blobs.map((b) => b.digest)]);
    await Promise.all(
      blobs.map(async (blob) => {
        if (await sink.hasBlob(blob)) return;
        const verifier = createDigestVerifier({ digest: blob.digest, size: blob.size });
        pipeline(await source.openBlob(blob), verifier, () => {});
        await sink.writeBlob(blob, verifier);
      }),
    );
    for (const child of children) await sink.writeChildManifest(child.descriptor, child.bytes);
    await sink.commit(top);
    committed = true;
  } finally {
    await sink.close({ committed });
    await source.close();
  }
}
