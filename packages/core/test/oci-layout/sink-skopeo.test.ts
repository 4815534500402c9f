// What the sink writes is a layout skopeo and umoci read and copy, holding
// the source's blobs byte for byte.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openOciLayoutSink, openOciLayoutSource } from '../../src/image/oci-layout/index.js';
import { copyByHand } from './copy-by-hand.js';
import { allFiles, blobFiles, ociRef, readIndexJson, skopeoCopy, skopeoRaw, tool, umociLayout, useTempDirs, warnIfMissing } from './layout-tools.js';

const temp = useTempDirs();

const ready = warnIfMissing('umoci', 'skopeo');
const REF_NAME = 'org.opencontainers.image.ref.name';

async function copyLayout(from: string, fromTag: string | undefined, to: string, toTag: string | undefined): Promise<void> {
  const source = await openOciLayoutSource(ociRef(from, fromTag));
  try {
    await copyByHand(source, await openOciLayoutSink(ociRef(to, toTag)));
  } finally {
    await source.close();
  }
}

describe.skipIf(!ready)('openOciLayoutSink checked with skopeo and umoci (needs umoci and skopeo)', () => {
  let dir: string;
  let umoci: string;
  beforeAll(async () => {
    dir = await temp.make();
    umoci = await umociLayout(dir);
  });

  it('writes a layout skopeo inspects and copies, with blobs identical to the source', async () => {
    const out = join(dir, 'written');
    await copyLayout(umoci, 'v1', out, 'v1');

    expect(JSON.parse(await readFile(join(out, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const inspected = JSON.parse(await tool('skopeo', ['inspect', `oci:${out}:v1`])) as { Layers: string[] };
    expect(inspected.Layers.length).toBe(1);
    expect((await skopeoRaw(`oci:${out}:v1`)).equals(await skopeoRaw(`oci:${umoci}:v1`))).toBe(true);

    const written = await blobFiles(out);
    const original = await blobFiles(umoci);
    for (const [name, bytes] of written) expect(bytes.equals(original.get(name) ?? Buffer.alloc(0)), name).toBe(true);
    // config, layer, manifest: nothing else, no temporary files.
    expect(written.size).toBe(3);
    expect(await allFiles(out)).toEqual([...[...written.keys()].map((name) => `blobs/${name}`), 'index.json', 'oci-layout'].sort());

    const other = join(dir, 'skopeo-copy');
    await skopeoCopy(`oci:${out}:v1`, `oci:${other}:v1`);
    expect((await skopeoRaw(`oci:${other}:v1`)).equals(await skopeoRaw(`oci:${out}:v1`))).toBe(true);
  });

  it('writes the index entry skopeo writes for the same tag', async () => {
    const ours = join(dir, 'entry-ours');
    const theirs = join(dir, 'entry-skopeo');
    await copyLayout(umoci, 'v1', ours, 'v1');
    await skopeoCopy(`oci:${umoci}:v1`, `oci:${theirs}:v1`);
    expect((await readIndexJson(ours)).manifests).toEqual((await readIndexJson(theirs)).manifests);
  });

  it('without a tag writes an unnamed entry, as skopeo does, and does not repeat it', async () => {
    const ours = join(dir, 'untagged-ours');
    const theirs = join(dir, 'untagged-skopeo');
    for (let i = 0; i < 2; i++) {
      await copyLayout(umoci, 'v1', ours, undefined);
      await skopeoCopy(`oci:${umoci}:v1`, `oci:${theirs}`);
    }
    const entries = (await readIndexJson(ours)).manifests;
    expect(entries).toEqual((await readIndexJson(theirs)).manifests);
    expect(entries.length).toBe(1);
    expect(entries[0]?.annotations).toBeUndefined();
    // The only image: readable without a tag, by skopeo and by us.
    expect((await skopeoRaw(`oci:${ours}`)).equals(await skopeoRaw(`oci:${umoci}:v1`))).toBe(true);
    const source = await openOciLayoutSource(ociRef(ours));
    expect((await source.readManifest()).bytes.equals(await skopeoRaw(`oci:${umoci}:v1`))).toBe(true);
  });

  it('adds a second tag to an existing layout and keeps the first entry', async () => {
    const out = join(dir, 'two-tags');
    await copyLayout(umoci, 'v1', out, 'v1');
    const first = (await readIndexJson(out)).manifests;
    await copyLayout(umoci, 'base', out, 'base');
    const entries = (await readIndexJson(out)).manifests;
    expect(entries.map((entry) => entry.annotations?.[REF_NAME])).toEqual(['v1', 'base']);
    expect(entries[0]).toEqual(first[0]);
    expect((await skopeoRaw(`oci:${out}:v1`)).equals(await skopeoRaw(`oci:${umoci}:v1`))).toBe(true);
    expect((await skopeoRaw(`oci:${out}:base`)).equals(await skopeoRaw(`oci:${umoci}:base`))).toBe(true);
  });

  it('adds to a layout umoci made, keeping its entries, and umoci lists all of them', async () => {
    const out = join(dir, 'umoci-extended');
    await skopeoCopy(`oci:${umoci}:v1`, `oci:${out}:v1`);
    await skopeoCopy(`oci:${umoci}:base`, `oci:${out}:base`);
    await copyLayout(umoci, 'v1', out, 'latest');
    const listed = (await tool('umoci', ['ls', '--layout', out])).split('\n').filter(Boolean).sort();
    expect(listed).toEqual(['base', 'latest', 'v1']);
  });

  it('moves a tag: the entry of that name is replaced in place, the others kept', async () => {
    const out = join(dir, 'moved-tag');
    await copyLayout(umoci, 'v1', out, 'a');
    await copyLayout(umoci, 'v1', out, 'b');
    await copyLayout(umoci, 'base', out, 'a');
    const entries = (await readIndexJson(out)).manifests;
    expect(entries.map((entry) => entry.annotations?.[REF_NAME])).toEqual(['a', 'b']);
    expect((await skopeoRaw(`oci:${out}:a`)).equals(await skopeoRaw(`oci:${umoci}:base`))).toBe(true);
    expect((await skopeoRaw(`oci:${out}:b`)).equals(await skopeoRaw(`oci:${umoci}:v1`))).toBe(true);
  });

  it('concurrent commits to one layout keep every tag (commits take turns on index.json.lock)', async () => {
    const out = join(dir, 'concurrent');
    await copyLayout(umoci, 'v1', out, 'seed');
    const tags = Array.from({ length: 8 }, (_, i) => `t${i}`);
    await Promise.all(tags.map((tag) => copyLayout(umoci, 'v1', out, tag)));
    const names = (await readIndexJson(out)).manifests.map((entry) => entry.annotations?.[REF_NAME] ?? '');
    expect(names.sort()).toEqual(['seed', ...tags].sort());
    expect((await allFiles(out)).filter((name) => name.includes('.lock'))).toEqual([]);
    for (const name of names) expect((await skopeoRaw(`oci:${out}:${name}`)).equals(await skopeoRaw(`oci:${umoci}:v1`))).toBe(true);
    expect((await allFiles(out)).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});
