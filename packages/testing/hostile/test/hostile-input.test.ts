// Hostile inputs, generated from seeds: OCI layouts (links out of the
// layout, FIFOs and directories where blobs belong, malformed digests and
// sizes, garbage index.json, blobs that lie about their content), archives
// (`..` and absolute names, links out, duplicates, sizes that lie, cut or
// garbage files, devices) and image references (dot components, slashes,
// backslashes, NUL, overlong or empty parts).
//
// What must hold:
// - a structurally hostile source is refused with a typed error before
//   anything is written: the bucket stays empty, nothing appears outside the
//   source's own directory;
// - a source whose blobs lie about their bytes fails with DIGEST_MISMATCH or
//   SIZE_MISMATCH and leaves no tag, only verified blobs;
// - a reference is either refused (INVALID_REFERENCE, nothing written) or
//   writes exactly the one tag key it names, inside the bucket.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ref, S3loError } from '@s3lo/core';
import { deleteImage, list, pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder } from './support/destinations.js';
import { KiB, singleImageLayout, type Desc, type PushableImage } from './support/images.js';
import { checkBucket, expectSound, sha256Of } from './support/invariants.js';
import type { Rng } from './support/random.js';
import { localBucket, makeRegistry, tagKeyOf, targets, type Target } from './support/stores.js';
import { buildTar, type TarEntry } from './support/tar.js';
import { BASE_SEED, bump, expectNoFailures, runTrials, timeoutFor, trialCount, type Tally, type Trial } from './support/trials.js';

const registry = makeRegistry();
let work: string;
/** A small good image; every trial copies its layout and then spoils the copy. */
let good: PushableImage;
let goodLayout: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 's3lo-hostile-input-'));
  goodLayout = join(work, 'good');
  good = await singleImageLayout(goodLayout, [
    { seed: `${BASE_SEED}/input/a`, size: 2 * KiB },
    { seed: `${BASE_SEED}/input/b`, size: 20 * KiB },
  ]);
});
afterAll(() => rm(work, { recursive: true, force: true }));

const blobFile = (layout: string, digest: string) => join(layout, 'blobs', 'sha256', digest.slice(7));

/** Digests no key or path may ever be made of. */
const HOSTILE_DIGESTS = [
  'sha256:../../../../etc/passwd',
  `sha256:${'A'.repeat(64)}`,
  `sha256:${'a'.repeat(63)}`,
  `sha256:${'a'.repeat(64)}/..`,
  `sha512:${'a'.repeat(128)}`,
  `md5:${'a'.repeat(32)}`,
  '../x',
  '',
  `sha256:${'a'.repeat(62)}\0a`,
];
const HOSTILE_SIZES: unknown[] = [-1, 1.5, 2 ** 53, '12', null, 1e300, Number.MAX_SAFE_INTEGER + 2];

type Expectation = 'nothing written' | 'no tag';

/** Spoils the copy of the good layout at `layout` in one seeded way; says what it did and what must follow. */
async function spoilLayout(rng: Rng, layout: string, outside: string): Promise<{ what: string; expect: Expectation }> {
  const manifestDoc = JSON.parse(good.topBytes.toString('utf8')) as { config: Desc; layers: Desc[] };
  const layer = rng.pick(manifestDoc.layers);
  const anyBlob = rng.pick([good.top, manifestDoc.config, ...manifestDoc.layers]);
  const rewriteManifest = async (edit: (doc: Record<string, unknown>) => void) => {
    const doc = JSON.parse(good.topBytes.toString('utf8')) as Record<string, unknown>;
    edit(doc);
    const bytes = Buffer.from(JSON.stringify(doc));
    const digest = sha256Of(bytes);
    await writeFile(blobFile(layout, digest), bytes);
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Desc[] };
    index.manifests = [{ ...(index.manifests[0] as Desc), digest, size: bytes.length }];
    await writeFile(join(layout, 'index.json'), JSON.stringify(index));
  };
  const kind = rng.pick([
    'blobs-dir-symlink',
    'blob-symlink',
    'blob-fifo',
    'blob-dir',
    'index-digest',
    'layer-digest',
    'layer-size',
    'index-garbage',
    'layer-content-lie',
    'layer-longer',
    'layer-shorter',
  ] as const);
  switch (kind) {
    case 'blobs-dir-symlink': {
      const target = join(outside, 'blobs');
      await rename(join(layout, 'blobs'), target);
      await symlink(rng.chance(0.5) ? target : join('..', 'outside', 'blobs'), join(layout, 'blobs'));
      return { what: 'blobs/ is a symlink out of the layout', expect: 'nothing written' };
    }
    case 'blob-symlink': {
      const target = join(outside, 'copy');
      await cp(blobFile(layout, anyBlob.digest), target);
      await unlink(blobFile(layout, anyBlob.digest));
      await symlink(target, blobFile(layout, anyBlob.digest));
      // Every blob of the plan is checked before anything is written (see
      // the finding below), layers included.
      return { what: `blob ${anyBlob.digest.slice(7, 19)} is a symlink out of the layout (to the right bytes)`, expect: 'nothing written' };
    }
    case 'blob-fifo':
      await unlink(blobFile(layout, layer.digest));
      execFileSync('mkfifo', [blobFile(layout, layer.digest)]);
      return { what: 'a layer is a FIFO', expect: 'nothing written' };
    case 'blob-dir':
      await unlink(blobFile(layout, layer.digest));
      await mkdir(blobFile(layout, layer.digest));
      return { what: 'a layer is a directory', expect: 'nothing written' };
    case 'index-digest': {
      const digest = rng.pick(HOSTILE_DIGESTS);
      const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Desc[] };
      index.manifests = [{ ...(index.manifests[0] as Desc), digest }];
      await writeFile(join(layout, 'index.json'), JSON.stringify(index));
      return { what: `index.json names the manifest ${JSON.stringify(digest)}`, expect: 'nothing written' };
    }
    case 'layer-digest': {
      const digest = rng.pick(HOSTILE_DIGESTS);
      await rewriteManifest((doc) => ((doc.layers as Desc[])[0] = { ...(doc.layers as Desc[])[0], digest } as Desc));
      return { what: `the manifest names a layer ${JSON.stringify(digest)}`, expect: 'nothing written' };
    }
    case 'layer-size': {
      const size = rng.pick(HOSTILE_SIZES);
      await rewriteManifest((doc) => ((doc.layers as Desc[])[0] = { ...(doc.layers as Desc[])[0], size } as unknown as Desc));
      return { what: `the manifest gives a layer size ${JSON.stringify(size)}`, expect: 'nothing written' };
    }
    case 'index-garbage': {
      const garbage = rng.pick(['', '[]', '{"manifests": 5}', '{"schemaVersion":2,"manifests":[{"digest":{}}]}', '\u0000\u0001', '{'.repeat(100_000)]);
      await writeFile(join(layout, 'index.json'), garbage);
      return { what: `index.json is ${JSON.stringify(garbage.slice(0, 40))}`, expect: 'nothing written' };
    }
    case 'layer-content-lie': {
      const path = blobFile(layout, layer.digest);
      const bytes = await readFile(path);
      const at = rng.int(0, bytes.length - 1);
      bytes[at] = (bytes[at] as number) ^ rng.int(1, 255);
      await writeFile(path, bytes);
      return { what: `a layer's byte ${at} flipped`, expect: 'no tag' };
    }
    case 'layer-longer':
      await writeFile(blobFile(layout, layer.digest), Buffer.concat([await readFile(blobFile(layout, layer.digest)), Buffer.alloc(rng.int(1, 999))]));
      return { what: 'a layer is longer than its descriptor', expect: 'no tag' };
    case 'layer-shorter': {
      const bytes = await readFile(blobFile(layout, layer.digest));
      await writeFile(blobFile(layout, layer.digest), bytes.subarray(0, rng.int(0, bytes.length - 1)));
      return { what: 'a layer is shorter than its descriptor', expect: 'no tag' };
    }
  }
}

/** The members of the good layout as an oci-archive would hold them. */
async function goodEntries(): Promise<TarEntry[]> {
  const files = await filesUnder(goodLayout);
  return Promise.all(files.map(async (name) => ({ name, data: await readFile(join(goodLayout, name)) })));
}

/** A seeded hostile oci-archive; says what it holds. */
/**
 * `lazy`: a bad member where a layer belongs, which the archive source once
 * refused only when the layer was read (see the finding below); now it is
 * refused before anything is written, like the rest.
 */
async function hostileArchive(rng: Rng, absolute: string): Promise<{ bytes: Buffer; what: string; mayBeWhole: boolean; lazy?: boolean }> {
  const entries = await goodEntries();
  const blobIndex = rng.pick(entries.flatMap((e, i) => (e.name.startsWith('blobs/sha256/') ? [i] : [])));
  const manifestDoc = JSON.parse(good.topBytes.toString('utf8')) as { layers: Desc[] };
  const lazy = manifestDoc.layers.some((l) => entries[blobIndex]?.name === `blobs/sha256/${l.digest.slice(7)}`);
  const kind = rng.pick(['dotdot', 'absolute', 'middle-dotdot', 'symlink-blob', 'hardlink-out', 'duplicate-index', 'size-lie', 'cut', 'garbage', 'device-blob', 'fifo-blob'] as const);
  const withEntry = (entry: TarEntry, at = rng.int(0, entries.length)) => [...entries.slice(0, at), entry, ...entries.slice(at)];
  const replaceBlob = (entry: Omit<TarEntry, 'name'>) => entries.map((e, i) => (i === blobIndex ? { ...entry, name: e.name } : e));
  switch (kind) {
    case 'dotdot':
      return { bytes: buildTar(withEntry({ name: '../evil', data: Buffer.from('x') })), what: 'an entry ../evil', mayBeWhole: false };
    case 'absolute':
      return { bytes: buildTar(withEntry({ name: absolute, data: Buffer.from('x') })), what: `an entry ${absolute}`, mayBeWhole: false };
    case 'middle-dotdot':
      return { bytes: buildTar(withEntry({ name: 'blobs/../../evil', data: Buffer.from('x') })), what: 'an entry blobs/../../evil', mayBeWhole: false };
    case 'symlink-blob':
      return {
        bytes: buildTar(replaceBlob({ type: 'symlink', linkname: rng.pick(['/etc/passwd', '../../../etc/passwd', absolute]) })),
        what: 'a blob that is a symlink out',
        mayBeWhole: false,
        lazy,
      };
    case 'hardlink-out':
      return { bytes: buildTar(replaceBlob({ type: 'link', linkname: rng.pick(['/etc/passwd', '../outside']) })), what: 'a blob that is a hard link out', mayBeWhole: false, lazy };
    case 'duplicate-index':
      return { bytes: buildTar(withEntry({ name: 'index.json', data: Buffer.from('{"schemaVersion":2,"manifests":[]}') })), what: 'two index.json', mayBeWhole: false };
    case 'size-lie':
      return {
        bytes: buildTar([...entries, { name: 'blobs/sha256/tail', data: Buffer.from('short'), declaredSize: rng.int(10_000, 2 ** 33) }], { end: false }),
        what: 'a header announcing more than the file holds',
        mayBeWhole: false,
      };
    case 'cut': {
      const whole = buildTar(entries);
      const at = rng.int(0, whole.length - 1025);
      return { bytes: whole.subarray(0, at), what: `cut at byte ${at} of ${whole.length}`, mayBeWhole: true };
    }
    case 'garbage':
      return { bytes: Buffer.from(Array.from({ length: rng.int(0, 4096) }, () => rng.int(0, 255))), what: 'random bytes', mayBeWhole: false };
    case 'device-blob':
      return { bytes: buildTar(replaceBlob({ type: 'char' })), what: 'a blob that is a device', mayBeWhole: false, lazy };
    case 'fifo-blob':
      return { bytes: buildTar(replaceBlob({ type: 'fifo' })), what: 'a blob that is a FIFO', mayBeWhole: false, lazy };
  }
}

/** Parts a hostile reference is made of, and harmless ones (so that some references are valid and their writes get checked). */
const HOSTILE_PARTS = ['..', '.', '', '/', '\\', '..\\..', '%2e%2e', '\0', 'a'.repeat(300), ' ', '\n', ':', '@', 'sha256:', '\u202e', 'é', '..%2f', '~', '$HOME', '*'];
const HARMLESS_PARTS = ['ok', 'team', 'app', 'v1', 'a.b', 'x-y', 'x_y', '1', 'v1.2.3'];

function hostileReferenceTail(rng: Rng): string {
  const hostility = rng.int(0, 3) / 4;
  const part = () => Array.from({ length: rng.int(1, 3) }, () => rng.pick(rng.chance(hostility) ? HOSTILE_PARTS : HARMLESS_PARTS)).join('');
  const image = Array.from({ length: rng.int(1, 4) }, part).join(rng.chance(hostility) ? rng.pick(['//', '\\', '/../']) : '/');
  return rng.chance(hostility) ? rng.pick([`${image}@${rng.pick(HOSTILE_DIGESTS)}`, image, `${image}:`, `:${part()}`]) : `${image}:${part()}`;
}

async function expectRefused(run: () => Promise<unknown>, what: string): Promise<S3loError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error(`${what}: accepted`);
  if (!S3loError.isInstance(error)) throw new Error(`${what}: failed with something other than a typed S3loError: ${String(error)}`);
  return error;
}

async function layoutTrial(trial: Trial, tally: Tally, target: Target): Promise<void> {
  const sandbox = await mkdtemp(join(tmpdir(), 's3lo-hostile-layout-'));
  const bucket = await target.newBucket('input');
  try {
    trial.step('spoil a copy of the layout');
    const layout = join(sandbox, 'layout');
    const outside = join(sandbox, 'outside');
    await mkdir(outside);
    await cp(goodLayout, layout, { recursive: true });
    const spoiled = await spoilLayout(trial.rng, layout, outside);
    trial.note(spoiled.what);
    bump(tally, `layout: ${spoiled.what.replace(/[0-9a-f]{12}|".*"|\d+/g, '…')}`);
    const outsideBefore = await filesUnder(outside);
    trial.step('push it');
    const error = await expectRefused(() => push(`oci:${layout}:v1`, bucket.ref('app', 'v1'), { registry, backendOptions: bucket.backendOptions }), spoiled.what);
    bump(tally, `refused with ${error.code}`);
    trial.step('check nothing was written');
    expect(await filesUnder(outside), 'the directory the layout links to').toEqual(outsideBefore);
    if (spoiled.expect === 'nothing written') {
      expect(await bucket.keys(), 'the bucket after a refused push').toEqual([]);
    } else {
      if ((await bucket.keys()).length > 0)
        bump(tally, `refused after other blobs were written (${/content|longer|shorter|flipped/.test(spoiled.what) ? 'content lie, found while streaming' : 'bad file type or link'})`);
      const check = await checkBucket(bucket);
      expectSound(check, 'the bucket after the failed push');
      expect(check.tags, 'tags after the failed push').toEqual([]);
    }
  } finally {
    await bucket.dispose();
    await rm(sandbox, { recursive: true, force: true });
  }
}

async function archiveTrial(trial: Trial, tally: Tally, target: Target): Promise<void> {
  const sandbox = await mkdtemp(join(tmpdir(), 's3lo-hostile-archive-'));
  const bucket = await target.newBucket('input');
  const absolute = join(tmpdir(), `s3lo-hostile-absolute-${process.pid}`);
  try {
    trial.step('write a hostile archive');
    const archive = await hostileArchive(trial.rng, absolute);
    trial.note(archive.what);
    bump(tally, `archive: ${archive.what.replace(/\d+/g, '…')}`);
    const path = join(sandbox, 'work', 'image.tar');
    await mkdir(join(sandbox, 'work'));
    await writeFile(path, archive.bytes);
    trial.step('push it');
    const pushing = push(`oci-archive:${path}:v1`, bucket.ref('app', 'v1'), { registry, backendOptions: bucket.backendOptions });
    const accepted = await pushing.then(
      (r) => r,
      () => undefined,
    );
    trial.step('check');
    expect(await filesUnder(sandbox), 'the sandbox holds only the archive').toEqual(['work/image.tar']);
    expect(existsSync(absolute), `${absolute} after the push`).toBe(false);
    if (accepted !== undefined) {
      // Only an archive cut in its final padding is still whole.
      expect(archive.mayBeWhole, `${archive.what}: accepted`).toBe(true);
      expect(accepted.digest).toBe(good.top.digest);
      expectSound(await checkBucket(bucket), 'after an accepted archive');
      bump(tally, 'archives still whole after the cut');
    } else {
      const error = await expectRefused(() => pushing, archive.what);
      bump(tally, `refused with ${error.code}`);
      if (archive.lazy) bump(tally, 'a bad member where a layer belongs (refused before anything was written)');
      expect(await bucket.keys(), 'the bucket after a refused archive').toEqual([]);
    }
  } finally {
    await bucket.dispose();
    await rm(sandbox, { recursive: true, force: true });
    await rm(absolute, { recursive: true, force: true });
  }
}

async function referenceTrial(trial: Trial, tally: Tally): Promise<void> {
  const sandbox = await mkdtemp(join(tmpdir(), 's3lo-hostile-ref-'));
  try {
    const bucketDir = join(sandbox, 'bucket');
    const tail = hostileReferenceTail(trial.rng);
    const text = `local://${bucketDir}//${tail}`;
    trial.note(`reference ${JSON.stringify(text)}`);
    trial.step('parse');
    let parsed: ReturnType<typeof ref.parse> | undefined;
    try {
      parsed = ref.parse(text);
    } catch (error) {
      expect(S3loError.isInstance(error, 'INVALID_REFERENCE'), `parse error ${String(error)}`).toBe(true);
    }
    trial.step('push');
    const outcome = await push(good.ref, text, { registry }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const files = await filesUnder(sandbox);
    if (parsed === undefined || outcome !== undefined) {
      bump(tally, 'references refused');
      if (outcome !== undefined) expect(S3loError.isInstance(outcome), `push error ${String(outcome)}`).toBe(true);
      expect(files, 'files after a refused reference').toEqual([]);
      return;
    }
    bump(tally, 'references accepted');
    for (const part of [...parsed.image.split('/'), parsed.tag ?? '']) {
      expect(['', '.', '..'].includes(part) || /[/\\\0]/.test(part), `a component of ${parsed.image}:${parsed.tag}`).toBe(false);
    }
    const bucket = localBucket(bucketDir, bucketDir);
    const tag = tagKeyOf(parsed.image, parsed.tag as string);
    expect(
      (await bucket.keys()).filter((k) => !k.startsWith('blobs/')),
      'the only key besides blobs',
    ).toEqual([tag]);
    expect(
      files.every((f) => f.startsWith('bucket/')),
      'nothing outside the bucket',
    ).toBe(true);
  } finally {
    await rm(sandbox, { recursive: true, force: true });
  }
}

describe.each(targets())('hostile sources: $name', (target) => {
  const layouts = trialCount(target.name === 'local' ? 30 : 8, target.name === 'local' ? 0.25 : 0.1);
  const archives = trialCount(target.name === 'local' ? 30 : 8, target.name === 'local' ? 0.25 : 0.1);

  it(`${layouts} seeded hostile layouts: refused, nothing written`, { timeout: timeoutFor(layouts, 300) }, async () => {
    expectNoFailures(await runTrials('hostile-layout', target.name, layouts, (trial, tally) => layoutTrial(trial, tally, target)));
  });

  it(`${archives} seeded hostile archives: refused, nothing written`, { timeout: timeoutFor(archives, 300) }, async () => {
    expectNoFailures(await runTrials('hostile-archive', target.name, archives, (trial, tally) => archiveTrial(trial, tally, target)));
  });
});

describe('hostile references', () => {
  const count = trialCount(60, 0.3);
  it(`${count} seeded references: refused, or exactly the tag they name inside the bucket`, { timeout: timeoutFor(count, 100) }, async () => {
    expectNoFailures(await runTrials('hostile-reference', 'local', count, referenceTrial));
  });
});

describe('found by this harness (beyond issue 8): bad members where layers belong were refused late', () => {
  // The layout and archive sources checked a blob's file type and links only
  // when the blob was opened: manifests and configs while the copy was
  // planned, layers as they streamed, after other blobs were in the bucket.
  // Now every blob of the plan is checked first (ImageSource.checkBlobs).
  // Seeds that found it: hostile-archive/local/1, hostile-layout/local/4
  // (S3LO_HOSTILE_SEED=s3lo-hostile-1).
  it('an oci-archive whose layer is a symlink out: refused before any blob is written', async () => {
    const bucket = localBucket(join(work, 'late-archive-bucket'), join(work, 'late-archive-bucket'));
    const layerName = `blobs/sha256/${(JSON.parse(good.topBytes.toString('utf8')) as { layers: Desc[] }).layers[1]?.digest.slice(7)}`;
    const entries = (await goodEntries()).map((e) => (e.name === layerName ? { name: e.name, type: 'symlink' as const, linkname: '/etc/passwd' } : e));
    const path = join(work, 'late.tar');
    await writeFile(path, buildTar(entries));
    await expectRefused(() => push(`oci-archive:${path}:v1`, bucket.ref('app', 'v1'), { registry }), 'a layer that is a symlink');
    expect(await bucket.keys()).toEqual([]);
  });

  it('an OCI layout whose layer is a FIFO: refused before any blob is written', async () => {
    const bucket = localBucket(join(work, 'late-layout-bucket'), join(work, 'late-layout-bucket'));
    const layout = join(work, 'late-layout');
    await cp(goodLayout, layout, { recursive: true });
    const layer = (JSON.parse(good.topBytes.toString('utf8')) as { layers: Desc[] }).layers[1] as Desc;
    await unlink(blobFile(layout, layer.digest));
    execFileSync('mkfifo', [blobFile(layout, layer.digest)]);
    await expectRefused(() => push(`oci:${layout}:v1`, bucket.ref('app', 'v1'), { registry }), 'a layer that is a FIFO');
    expect(await bucket.keys()).toEqual([]);
  });
});

describe('defects the harness reached (issue 8), kept as regressions', () => {
  // Issue 8 point 1: deleteTag removed every key under manifests/<image>/<tag>/,
  // which for image `team`, tag `app` is all of image `team/app`.
  it('delete of team:app leaves image team/app alone (issue 8 point 1)', async () => {
    const bucket = localBucket(join(work, 'delete-bucket'), join(work, 'delete-bucket'));
    await push(good.ref, bucket.ref('team/app', 'v1'), { registry });
    await push(good.ref, bucket.ref('team', 'app'), { registry });
    await deleteImage(bucket.ref('team', 'app'), { registry });
    expect(await list(bucket.url, { registry })).toEqual([{ name: 'team/app', tags: ['v1'] }]);
  });

  // Issue 8 point 5: the oci: sink followed a layout whose blobs/sha256 is a
  // symlink and wrote the blobs where it points.
  it('pull into a layout whose blobs/sha256 is a symlink is refused, nothing written there (issue 8 point 5)', async () => {
    const bucket = localBucket(join(work, 'symlink-bucket'), join(work, 'symlink-bucket'));
    await push(good.ref, bucket.ref('app', 'v1'), { registry });
    const out = join(work, 'symlinked-layout');
    const elsewhere = join(work, 'elsewhere');
    await mkdir(join(out, 'blobs'), { recursive: true });
    await mkdir(elsewhere);
    await writeFile(join(out, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await symlink(elsewhere, join(out, 'blobs', 'sha256'));
    const error = await pull(bucket.ref('app', 'v1'), `oci:${out}:v1`, { registry }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(await filesUnder(elsewhere), 'files written through the symlink').toEqual([]);
    expect(S3loError.isInstance(error), `pull outcome: ${String(error)}`).toBe(true);
  });
});
