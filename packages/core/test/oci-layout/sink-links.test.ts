// The sink writes only inside the layout it was given: a layout whose
// blobs/sha256 (or blobs, index.json, oci-layout, a blob file) is a symbolic
// link to somewhere else is refused before anything is written, as the oci:
// source refuses to read through such links; a link swapped in while a sink
// writes is refused too. Links that stay inside the layout still work.
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/digest/index.js';
import { openOciLayoutSink, openOciLayoutSource } from '../../src/image/oci-layout/index.js';
import { MediaType, type Descriptor } from '../../src/oci/index.js';
import { rejected } from '../support/thrown.js';
import { copyByHand } from './copy-by-hand.js';
import { allFiles, ociRef, useTempDirs } from './layout-tools.js';
import { writeMultiPlatformLayout, type MultiPlatformLayout } from './multi-platform-layout.js';

const temp = useTempDirs();

let dir: string;
let source: MultiPlatformLayout;
let count = 0;
beforeAll(async () => {
  dir = await temp.make();
  source = await writeMultiPlatformLayout(join(dir, 'source'));
});

const content = Buffer.from('a blob that must not leave the layout');
const blob: Descriptor = { mediaType: MediaType.OCI_LAYER, digest: sha256Digest(content), size: content.length };

/** A new layout with `oci-layout` and an empty `blobs/`, and an empty directory outside it. */
async function layoutAndOutside(): Promise<{ layout: string; outside: string }> {
  const n = ++count;
  const layout = join(dir, `layout-${n}`);
  const outside = join(dir, `outside-${n}`);
  await mkdir(join(layout, 'blobs'), { recursive: true });
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await mkdir(outside);
  return { layout, outside };
}

/** Opening the sink is refused with INVALID_KEY; nothing appears outside or in the layout. */
async function expectRefused(layout: string, outside: string, mention: string): Promise<void> {
  const before = await allFiles(layout);
  const error = await rejected(openOciLayoutSink(ociRef(layout, 'v1')));
  expect(error.code, error.message).toBe('INVALID_KEY');
  expect(error.message).toContain(mention);
  expect(error.hint).toMatch(/writes only inside the layout directory/);
  expect(await allFiles(outside)).toEqual([]);
  expect(await allFiles(layout)).toEqual(before);
}

describe('links out of the layout are refused when the sink opens', () => {
  it('blobs/sha256 is a link to another directory', async () => {
    const { layout, outside } = await layoutAndOutside();
    await symlink(outside, join(layout, 'blobs', 'sha256'));
    await expectRefused(layout, outside, 'blobs/sha256 directory');
  });

  it('blobs is a link to another directory', async () => {
    const { layout, outside } = await layoutAndOutside();
    await mkdir(join(outside, 'sha256'));
    await rename(join(layout, 'blobs'), join(dir, `spare-${count}`));
    await symlink(outside, join(layout, 'blobs'));
    await expectRefused(layout, outside, 'blobs directory');
  });

  it('a blob file is a link to a file outside (even one of the right size)', async () => {
    const { layout, outside } = await layoutAndOutside();
    await mkdir(join(layout, 'blobs', 'sha256'));
    await writeFile(join(outside, 'victim'), content);
    await symlink(join(outside, 'victim'), join(layout, 'blobs', 'sha256', blob.digest.slice(7)));
    const error = await rejected(openOciLayoutSink(ociRef(layout, 'v1')));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toContain(`blob file ${blob.digest.slice(7)}`);
    expect(await readFile(join(outside, 'victim'))).toEqual(content);
  });

  it('index.json or oci-layout is a link to a file outside', async () => {
    for (const name of ['index.json', 'oci-layout']) {
      const { layout, outside } = await layoutAndOutside();
      await writeFile(join(outside, 'file'), name === 'oci-layout' ? '{"imageLayoutVersion":"1.0.0"}' : '{"schemaVersion":2,"manifests":[]}');
      await writeFile(join(layout, name), ''); // replaced by the link just below
      await rename(join(layout, name), join(outside, 'old'));
      await symlink(join(outside, 'file'), join(layout, name));
      const error = await rejected(openOciLayoutSink(ociRef(layout, 'v1')));
      expect(error.code, name).toBe('INVALID_KEY');
      expect(error.message).toContain(`the ${name} of`);
    }
  });

  it('a link that leads nowhere (where it would lead once created is unknown)', async () => {
    const { layout, outside } = await layoutAndOutside();
    await symlink(join(outside, 'not-yet'), join(layout, 'blobs', 'sha256'));
    const error = await rejected(openOciLayoutSink(ociRef(layout, 'v1')));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toMatch(/is a symbolic link to .*not-yet, which does not exist/);
    expect(await allFiles(outside)).toEqual([]);
  });
});

describe('links the sink follows', () => {
  it('a link inside the layout: blobs land in the directory it leads to', async () => {
    const { layout } = await layoutAndOutside();
    await mkdir(join(layout, 'blobs', 'real-sha256'));
    await symlink('real-sha256', join(layout, 'blobs', 'sha256'));
    await copyByHand(await openOciLayoutSource(ociRef(source.dir, 'multi')), await openOciLayoutSink(ociRef(layout, 'v1')));
    expect((await allFiles(join(layout, 'blobs', 'real-sha256'))).length).toBe(source.blobs.size);
    const copied = await openOciLayoutSource(ociRef(layout, 'v1'));
    expect((await copied.readManifest()).digest).toBe(source.index.digest);
    await copied.close();
  });

  it('the layout directory itself may be a link: it is the directory the caller named', async () => {
    const { outside } = await layoutAndOutside();
    const named = join(dir, `named-${count}`);
    await symlink(outside, named);
    await copyByHand(await openOciLayoutSource(ociRef(source.dir, 'multi')), await openOciLayoutSink(ociRef(named, 'v1')));
    expect(await allFiles(outside)).toContain('index.json');
  });
});

describe('a link swapped in while the sink writes', () => {
  it('is refused, and nothing stays in the directory it leads to', async () => {
    const layout = join(dir, `swapped-${++count}`);
    const outside = join(dir, `swapped-outside-${count}`);
    await mkdir(outside);
    const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
    const other = Buffer.from('another blob');
    await sink.writeBlob({ ...blob, digest: sha256Digest(other), size: other.length }, Readable.from([other]));
    // The layout exists now; its blobs/sha256 is replaced by a link out.
    await rename(join(layout, 'blobs', 'sha256'), join(layout, 'blobs', 'moved'));
    await symlink(outside, join(layout, 'blobs', 'sha256'));
    const error = await rejected(sink.writeBlob(blob, Readable.from([content])));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toMatch(/was replaced while writing and now leads to/);
    await sink.close({ committed: false });
    expect(await allFiles(outside)).toEqual([]);
  });
});
