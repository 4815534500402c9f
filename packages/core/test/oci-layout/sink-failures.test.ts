// A failed or abandoned write leaves nothing under a content address, no
// temporary file after close, and no index.json entry: only commit names an
// image, and pre-existing content is never touched.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/digest/index.js';
import { ErrorCode, S3loError } from '../../src/errors/index.js';
import { openOciLayoutSink, openOciLayoutSource } from '../../src/image/oci-layout/index.js';
import { MediaType, type Descriptor } from '../../src/oci/index.js';
import { rejected } from '../support/thrown.js';
import { copyByHand } from './copy-by-hand.js';
import { allFiles, ociRef, useTempDirs } from './layout-tools.js';
import { writeMultiPlatformLayout } from './multi-platform-layout.js';

const temp = useTempDirs();

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await temp.make();
});
const fresh = (name: string) => join(dir, `${name}-${++count}`);

const content = Buffer.alloc(256 * 1024, 7);
const blob: Descriptor = { mediaType: MediaType.OCI_LAYER, digest: sha256Digest(content), size: content.length };
const blobFile = (layout: string, digest = blob.digest) => join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** Half the content, then an error: a dropped connection, or a verifier that saw bad bytes. */
function failingHalfway(error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) return void this.destroy(error);
      sent = true;
      this.push(content.subarray(0, content.length / 2));
    },
  });
}

/** Half the content, then nothing until destroyed: a stalled transfer. */
function stalled(): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) this.push(content.subarray(0, content.length / 2));
      sent = true;
    },
  });
}

/** Resolves once a write has its temporary file under blobs/sha256/. */
async function tempFileAppears(layout: string): Promise<void> {
  const blobs = join(layout, 'blobs', 'sha256');
  for (let i = 0; i < 1000; i++) {
    const names = (await exists(blobs)) ? await readdir(blobs) : [];
    if (names.some((name) => /^\.s3lo-.*\.tmp$/.test(name))) return;
    await sleep(5);
  }
  throw new Error('no temporary file appeared');
}

describe('writeBlob failures', () => {
  it('stores nothing under the digest when the stream errors half way, and close leaves no temporary file', async () => {
    const layout = fresh('halfway');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    const error = await rejected(sink.writeBlob(blob, failingHalfway(new Error('connection reset'))));
    expect(error.message).toContain('connection reset');
    expect(await exists(blobFile(layout))).toBe(false);
    expect(await sink.hasBlob(blob)).toBe(false);
    await sink.close({ committed: false });
    expect(await allFiles(layout)).toEqual(['oci-layout']);
  });

  it('rejects with the stream error itself when it is an s3lo error (a DIGEST_MISMATCH stays one)', async () => {
    const layout = fresh('mismatch');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    const mismatch = new S3loError(ErrorCode.DIGEST_MISMATCH, 'content hashes to something else');
    expect(await rejected(sink.writeBlob(blob, failingHalfway(mismatch)))).toBe(mismatch);
    expect(await exists(blobFile(layout))).toBe(false);
    await sink.close({ committed: false });
  });

  it('verifies on its own (it declares verifiesBlobs): wrong bytes from an unverified stream are refused', async () => {
    const layout = fresh('unverified');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    expect(sink.verifiesBlobs).toBe(true);
    const wrong = Buffer.from(content);
    wrong[100] = 8;
    expect((await rejected(sink.writeBlob(blob, Readable.from([wrong])))).code).toBe('DIGEST_MISMATCH');
    expect((await rejected(sink.writeBlob(blob, Readable.from([content.subarray(1)])))).code).toBe('SIZE_MISMATCH');
    expect(await exists(blobFile(layout))).toBe(false);
    await sink.close({ committed: false });
    expect(await allFiles(layout)).toEqual(['oci-layout']);
  });

  it('stops on abort with ABORTED and stores nothing', async () => {
    const layout = fresh('abort');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    const controller = new AbortController();
    const writing = sink.writeBlob(blob, stalled(), { signal: controller.signal });
    await tempFileAppears(layout);
    controller.abort();
    expect((await rejected(writing)).code).toBe('ABORTED');
    await sink.close({ committed: false });
    expect(await allFiles(layout)).toEqual(['oci-layout']);
  });

  it('close removes the temporary file of a write still in flight', async () => {
    const layout = fresh('in-flight');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    const stream = stalled();
    const writing = sink.writeBlob(blob, stream);
    await tempFileAppears(layout);
    const blobs = join(layout, 'blobs', 'sha256');
    await sink.close({ committed: false });
    expect(await readdir(blobs)).toEqual([]);
    stream.destroy(new Error('cancelled by the copy'));
    await expect(writing).rejects.toThrow();
    expect(await allFiles(layout)).toEqual(['oci-layout']);
  });

  it('replaces a file of the wrong size under a digest (hasBlob reports it absent)', async () => {
    const layout = fresh('wrong-size');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    await sink.writeBlob(blob, Readable.from([content]));
    await writeFile(blobFile(layout), content.subarray(0, 10));
    expect(await sink.hasBlob(blob)).toBe(false);
    await sink.writeBlob(blob, Readable.from([content]));
    expect(await sink.hasBlob(blob)).toBe(true);
    expect((await readFile(blobFile(layout))).equals(content)).toBe(true);
    await sink.close({ committed: false });
  });

  it('refuses malformed digests before building a path', async () => {
    const sink = await openOciLayoutSink(ociRef(fresh('evil')));
    const evil = { ...blob, digest: 'sha256:../../../etc/passwd' as `sha256:${string}` };
    expect((await rejected(sink.hasBlob(evil))).code).toBe('INVALID_DIGEST');
    expect((await rejected(sink.writeBlob(evil, Readable.from([content])))).code).toBe('INVALID_DIGEST');
    expect((await rejected(sink.writeChildManifest(evil, content))).code).toBe('INVALID_DIGEST');
    await sink.close({ committed: false });
  });
});

describe('manifests', () => {
  it('refuses a child manifest or a manifest whose bytes are not its digest, and writes no index.json', async () => {
    const layout = fresh('bad-manifest');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    const bytes = Buffer.from('{"schemaVersion":2}');
    expect((await rejected(sink.writeChildManifest({ mediaType: MediaType.OCI_MANIFEST, digest: blob.digest, size: bytes.length }, bytes))).code).toBe('DIGEST_MISMATCH');
    expect((await rejected(sink.writeChildManifest({ mediaType: MediaType.OCI_MANIFEST, digest: sha256Digest(bytes), size: 3 }, bytes))).code).toBe('SIZE_MISMATCH');
    expect((await rejected(sink.commit({ bytes, digest: blob.digest, mediaType: MediaType.OCI_MANIFEST }))).code).toBe('DIGEST_MISMATCH');
    expect((await rejected(sink.commit({ bytes, digest: sha256Digest(bytes), mediaType: 'application/vnd.example+json' }))).code).toBe('UNSUPPORTED');
    await sink.close({ committed: false });
    expect(await exists(join(layout, 'index.json'))).toBe(false);
  });
});

describe('an uncommitted sink', () => {
  it('creates nothing when nothing was written', async () => {
    const layout = fresh('untouched');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    await sink.close({ committed: false });
    expect(await exists(layout)).toBe(false);
  });

  it('leaves no index.json in a new layout; verified blobs stay for a retry to reuse', async () => {
    const layout = fresh('new-uncommitted');
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    await sink.writeBlob(blob, Readable.from([content]));
    await sink.close({ committed: false });
    expect(await exists(join(layout, 'index.json'))).toBe(false);
    expect(await allFiles(layout)).toEqual([`blobs/sha256/${blob.digest.slice(7)}`, 'oci-layout']);
    const retry = await openOciLayoutSink(ociRef(layout, 'v1'));
    expect(await retry.hasBlob(blob)).toBe(true);
    await retry.close({ committed: false });
    // Without index.json nothing reads as an image.
    expect((await rejected(openOciLayoutSource(ociRef(layout, 'v1')))).code).toBe('NOT_FOUND');
  });

  it('leaves an existing index.json byte for byte as it was', async () => {
    const source = await writeMultiPlatformLayout(fresh('source'));
    const layout = fresh('existing');
    await copyByHand(await openOciLayoutSource(ociRef(source.dir, 'multi')), await openOciLayoutSink(ociRef(layout, 'v1')));
    const before = await readFile(join(layout, 'index.json'));
    const sink = await openOciLayoutSink(ociRef(layout, 'v2'));
    await sink.writeBlob(blob, Readable.from([content]));
    await sink.writeChildManifest(source.children[0]!, source.blobs.get(source.children[0]!.digest)!);
    await sink.close({ committed: false });
    expect((await readFile(join(layout, 'index.json'))).equals(before)).toBe(true);
    expect((await allFiles(layout)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('is unusable after close', async () => {
    const sink = await openOciLayoutSink(ociRef(fresh('closed')));
    await sink.close({ committed: false });
    expect((await rejected(sink.hasBlob(blob))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('what the sink refuses to write into', () => {
  it('a directory that holds other things and is not a layout', async () => {
    const path = fresh('project');
    await mkdir(path);
    await writeFile(join(path, 'README.md'), 'mine');
    const error = await rejected(openOciLayoutSink(ociRef(path, 'v1')));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('neither an OCI image layout');
    expect(await allFiles(path)).toEqual(['README.md']);
  });

  it('a file', async () => {
    const path = fresh('file');
    await writeFile(path, 'x');
    expect((await rejected(openOciLayoutSink(ociRef(path, 'v1')))).code).toBe('INVALID_ARGUMENT');
  });

  it('a layout whose index.json it cannot read, which stays as it was', async () => {
    const path = fresh('broken');
    await mkdir(path);
    await writeFile(join(path, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(path, 'index.json'), '{"schemaVersion":2,"manifests":[');
    expect((await rejected(openOciLayoutSink(ociRef(path, 'v1')))).code).toBe('INVALID_MANIFEST');
    expect(await readFile(join(path, 'index.json'), 'utf8')).toBe('{"schemaVersion":2,"manifests":[');
  });

  it('accepts an empty directory', async () => {
    const path = fresh('empty');
    await mkdir(path);
    const sink = await openOciLayoutSink(ociRef(path, 'v1'));
    await sink.writeBlob(blob, Readable.from([content]));
    await sink.close({ committed: false });
    expect(await exists(blobFile(path))).toBe(true);
  });
});
