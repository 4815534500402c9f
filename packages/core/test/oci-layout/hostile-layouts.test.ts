// Layouts are untrusted input (unpacked from archives, downloaded): every
// malformed or hostile one is refused with a code and a message that says
// what is wrong with which file, and nothing outside the layout is read.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openOciLayoutSource } from '../../src/image/oci-layout/index.js';
import { MediaType } from '../../src/oci/index.js';
import { rejected } from '../support/thrown.js';
import { writeMultiPlatformLayout, type MultiPlatformLayout } from './multi-platform-layout.js';
import { ociRef, useTempDirs } from './layout-tools.js';

const temp = useTempDirs();

const REF_NAME = 'org.opencontainers.image.ref.name';
const EVIL_DIGEST = 'sha256:../../etc/passwd';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await temp.make();
});

/** A fresh copy of the hand-built multi-platform layout, to damage. */
async function fresh(): Promise<MultiPlatformLayout> {
  return writeMultiPlatformLayout(join(dir, `layout-${++count}`));
}

function blobFile(layout: MultiPlatformLayout, digest: string): string {
  return join(layout.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

async function setIndexJson(layout: MultiPlatformLayout, manifests: unknown[]): Promise<void> {
  await writeFile(join(layout.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}

describe('malformed digests', () => {
  it('refuses an index.json entry whose digest is a path', async () => {
    const layout = await fresh();
    await setIndexJson(layout, [{ mediaType: MediaType.OCI_MANIFEST, digest: EVIL_DIGEST, size: 10, annotations: { [REF_NAME]: 'v1' } }]);
    const error = await rejected(openOciLayoutSource(ociRef(layout.dir, 'v1')));
    expect(error.code).toBe('INVALID_MANIFEST');
    expect(error.details['path']).toBe('manifests[0].digest');
    expect(error.message).toContain(join(layout.dir, 'index.json'));
    // The parser's INVALID_MANIFEST, which carries the INVALID_DIGEST error.
    expect(((error.cause as Error).cause as { code?: string }).code).toBe('INVALID_DIGEST');
  });

  it('refuses a descriptor digest that is a path before touching the filesystem', async () => {
    const layout = await fresh();
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    const evil = { mediaType: MediaType.OCI_LAYER, digest: EVIL_DIGEST as `sha256:${string}`, size: 1 };
    expect((await rejected(source.openBlob(evil))).code).toBe('INVALID_DIGEST');
    expect((await rejected(source.readChildManifest(evil))).code).toBe('INVALID_DIGEST');
  });
});

describe('symbolic links', () => {
  it('refuses a blob that links outside the layout, even with the right content', async () => {
    const layout = await fresh();
    const layer = layout.children[0]!;
    const configDigest = JSON.parse((layout.blobs.get(layer.digest) ?? '').toString()).config.digest as string;
    const outside = join(dir, `outside-${count}`);
    await writeFile(outside, layout.blobs.get(configDigest) ?? '');
    await rm(blobFile(layout, configDigest));
    await symlink(outside, blobFile(layout, configDigest));
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    const error = await rejected(source.openBlob({ mediaType: MediaType.OCI_CONFIG, digest: configDigest as `sha256:${string}`, size: 1 }));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toContain(configDigest);
    expect(error.message).toContain('outside the layout');
  });

  it('refuses a manifest, an index.json and a blobs directory that link outside', async () => {
    const manifestLink = await fresh();
    await rm(blobFile(manifestLink, manifestLink.index.digest));
    await symlink('/etc/passwd', blobFile(manifestLink, manifestLink.index.digest));
    const source = await openOciLayoutSource(ociRef(manifestLink.dir, 'multi'));
    expect((await rejected(source.readManifest())).code).toBe('INVALID_KEY');

    const indexLink = await fresh();
    await rm(join(indexLink.dir, 'index.json'));
    await symlink('/etc/passwd', join(indexLink.dir, 'index.json'));
    const error = await rejected(openOciLayoutSource(ociRef(indexLink.dir, 'multi')));
    expect(error.code).toBe('INVALID_KEY');
    // Not a word of the file outside reaches the message (JSON.parse would quote it).
    expect(error.message).not.toContain('root:');

    const blobsLink = await fresh();
    const elsewhere = join(dir, `elsewhere-${count}`);
    await mkdir(elsewhere);
    execFileSync('cp', ['-a', join(blobsLink.dir, 'blobs'), elsewhere]);
    await rm(join(blobsLink.dir, 'blobs'), { recursive: true });
    await symlink(join(elsewhere, 'blobs'), join(blobsLink.dir, 'blobs'));
    const viaBlobs = await openOciLayoutSource(ociRef(blobsLink.dir, 'multi'));
    expect((await rejected(viaBlobs.readManifest())).code).toBe('INVALID_KEY');
  });

  it('follows a link that stays inside the layout', async () => {
    const layout = await fresh();
    const target = join(layout.dir, 'kept-elsewhere');
    await writeFile(target, layout.blobs.get(layout.index.digest) ?? '');
    await rm(blobFile(layout, layout.index.digest));
    await symlink('../../kept-elsewhere', blobFile(layout, layout.index.digest));
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    expect((await source.readManifest()).digest).toBe(layout.index.digest);
  });
});

describe('content that does not match its digest', () => {
  it('is DIGEST_MISMATCH for the manifest, same length or not', async () => {
    const layout = await fresh();
    const bytes = layout.blobs.get(layout.index.digest) ?? Buffer.alloc(0);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 1;
    await writeFile(blobFile(layout, layout.index.digest), tampered);
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    const error = await rejected(source.readManifest());
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain(layout.index.digest);

    await writeFile(blobFile(layout, layout.index.digest), bytes.subarray(0, 20));
    expect((await rejected(source.readManifest())).code).toBe('DIGEST_MISMATCH');
  });

  it('is DIGEST_MISMATCH for a child manifest', async () => {
    const layout = await fresh();
    const child = layout.children[1]!;
    await writeFile(blobFile(layout, child.digest), '{"schemaVersion":2}');
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    expect((await rejected(source.readChildManifest(child))).code).toBe('DIGEST_MISMATCH');
  });

  it('is SIZE_MISMATCH when a blob file is not the size its descriptor says', async () => {
    const layout = await fresh();
    const child = layout.children[0]!;
    const layer = JSON.parse((layout.blobs.get(child.digest) ?? '').toString()).layers[0];
    await truncate(blobFile(layout, layer.digest), 100);
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    expect((await rejected(source.openBlob(layer))).code).toBe('SIZE_MISMATCH');
  });

  it('refuses an entry whose media type the document contradicts', async () => {
    const layout = await fresh();
    const child = layout.children[0]!;
    await setIndexJson(layout, [{ mediaType: MediaType.OCI_INDEX, digest: child.digest, size: child.size, annotations: { [REF_NAME]: 'x' } }]);
    const source = await openOciLayoutSource(ociRef(layout.dir, 'x'));
    const error = await rejected(source.readManifest());
    expect(error.code).toBe('INVALID_MANIFEST');
    expect(error.message).toContain(MediaType.OCI_MANIFEST);
  });
});

describe('broken layout files', () => {
  it('refuses a truncated index.json, naming it', async () => {
    const layout = await fresh();
    const path = join(layout.dir, 'index.json');
    const text = await readFile(path);
    await writeFile(path, text.subarray(0, text.length - 7));
    const error = await rejected(openOciLayoutSource(ociRef(layout.dir, 'multi')));
    expect(error.code).toBe('INVALID_MANIFEST');
    expect(error.message).toContain(path);
    expect(error.message).toContain('not valid JSON');
  });

  it('refuses an index.json over the manifest size limit before parsing it', async () => {
    const layout = await fresh();
    await writeFile(join(layout.dir, 'index.json'), Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    expect((await rejected(openOciLayoutSource(ociRef(layout.dir, 'multi')))).code).toBe('TOO_LARGE');
  });

  it('says the directory is not a layout when oci-layout is missing', async () => {
    const layout = await fresh();
    await rm(join(layout.dir, 'oci-layout'));
    const error = await rejected(openOciLayoutSource(ociRef(layout.dir, 'multi')));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('is not an OCI image layout');
    expect(error.message).toContain(join(layout.dir, 'oci-layout'));
  });

  it('refuses an unknown layout version and a malformed oci-layout', async () => {
    const layout = await fresh();
    await writeFile(join(layout.dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    const error = await rejected(openOciLayoutSource(ociRef(layout.dir, 'multi')));
    expect(error.code).toBe('INVALID_MANIFEST');
    expect(error.message).toContain('"2.0.0"');
    await writeFile(join(layout.dir, 'oci-layout'), 'imageLayoutVersion: 1.0.0');
    expect((await rejected(openOciLayoutSource(ociRef(layout.dir, 'multi')))).code).toBe('INVALID_MANIFEST');
    await writeFile(join(layout.dir, 'oci-layout'), '{"imageLayoutVersion":"1.1.0","extra":true}');
    await expect(openOciLayoutSource(ociRef(layout.dir, 'multi'))).resolves.toBeDefined();
  });

  it('says what is missing: the directory, index.json, a blob', async () => {
    const missingDir = await rejected(openOciLayoutSource(ociRef(join(dir, 'no-such-dir'))));
    expect(missingDir.code).toBe('NOT_FOUND');
    expect(missingDir.message).toContain('no-such-dir');

    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const notDir = await rejected(openOciLayoutSource(ociRef(file)));
    expect(notDir.code).toBe('INVALID_ARGUMENT');
    expect(notDir.hint).toContain('oci-archive:');

    const noIndex = await fresh();
    await rm(join(noIndex.dir, 'index.json'));
    const missingIndex = await rejected(openOciLayoutSource(ociRef(noIndex.dir)));
    expect(missingIndex.code).toBe('NOT_FOUND');
    expect(missingIndex.message).toContain('index.json');

    const noBlob = await fresh();
    const child = noBlob.children[2]!;
    await rm(blobFile(noBlob, child.digest));
    const source = await openOciLayoutSource(ociRef(noBlob.dir, 'multi'));
    const missingBlob = await rejected(source.readChildManifest(child));
    expect(missingBlob.code).toBe('NOT_FOUND');
    expect(missingBlob.message).toContain(child.digest);
    expect((await rejected(source.openBlob(child))).code).toBe('NOT_FOUND');
  });

  it('refuses a FIFO planted under a blob name without blocking on it', async () => {
    const layout = await fresh();
    await rm(blobFile(layout, layout.index.digest));
    execFileSync('mkfifo', [blobFile(layout, layout.index.digest)]);
    const source = await openOciLayoutSource(ociRef(layout.dir, 'multi'));
    expect((await rejected(source.readManifest())).code).toBe('INVALID_KEY');
  });
});

describe('choosing the entry', () => {
  async function twoTags(): Promise<MultiPlatformLayout> {
    const layout = await fresh();
    const [amd64, arm64] = layout.children;
    await setIndexJson(layout, [
      { ...amd64, annotations: { [REF_NAME]: 'amd' } },
      { ...arm64, annotations: { [REF_NAME]: 'arm' } },
    ]);
    return layout;
  }

  it('picks the entry named by the tag', async () => {
    const layout = await twoTags();
    const source = await openOciLayoutSource(ociRef(layout.dir, 'arm'));
    expect((await source.readManifest()).digest).toBe(layout.children[1]?.digest);
  });

  it('lists the names there are when the tag is not one of them', async () => {
    const layout = await twoTags();
    const error = await rejected(openOciLayoutSource(ociRef(layout.dir, 'v9')));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('"v9"');
    expect(error.message).toContain('"amd", "arm"');
    expect(error.details['available']).toEqual(['"amd"', '"arm"']);
  });

  it('asks for a name when there are several entries and no tag', async () => {
    const layout = await twoTags();
    const error = await rejected(openOciLayoutSource(ociRef(layout.dir)));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('holds 2 images');
    expect(error.message).toContain('"amd", "arm"');
    expect(error.hint).toContain(`oci:${layout.dir}:<name>`);
  });

  it('names unnamed entries by digest, and says when a layout is empty', async () => {
    const layout = await fresh();
    const [amd64, arm64] = layout.children;
    await setIndexJson(layout, [amd64, { ...arm64, annotations: { [REF_NAME]: 'arm' } }]);
    const error = await rejected(openOciLayoutSource(ociRef(layout.dir, 'nope')));
    expect(error.message).toContain(`an unnamed entry (${amd64?.digest})`);
    await setIndexJson(layout, []);
    expect((await rejected(openOciLayoutSource(ociRef(layout.dir)))).code).toBe('NOT_FOUND');
  });

  it('refuses an entry that is not an image', async () => {
    const layout = await fresh();
    const child = layout.children[0]!;
    await setIndexJson(layout, [{ ...child, mediaType: 'application/vnd.example.artifact', annotations: { [REF_NAME]: 'art' } }]);
    expect((await rejected(openOciLayoutSource(ociRef(layout.dir, 'art')))).code).toBe('UNSUPPORTED');
  });
});
