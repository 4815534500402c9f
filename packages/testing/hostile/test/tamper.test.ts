// A bucket is not trusted. Each trial pushes an image (single-platform or an
// index) into a fresh bucket (local:// and Ceph RGW), then changes what is
// stored behind s3lo's back, the way a faulty disk, a bad sync or an
// attacker would: bytes flipped in place, a blob cut short or grown, a blob
// swapped for another of the same or a different size, a blob deleted, the
// tag's manifest flipped, cut or grown. Then a pull (into a new OCI layout,
// into one that already holds an image, into an oci-archive), a copy to
// another bucket, or an inspect, through the library or the CLI.
//
// What must hold:
// - a blob that is not what its digest says fails the operation with
//   DIGEST_MISMATCH or SIZE_MISMATCH (a deleted one with NOT_FOUND); the CLI
//   exits 1, never 0;
// - nothing bad reaches the destination: no tag, no file under a content
//   address that does not hash to it, no archive, no leftovers, an existing
//   layout's index.json unchanged;
// - a tampered tag is never served under the digest it had.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3loError } from '@s3lo/core';
import { copy, inspect, pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutProblems, layoutTags } from './support/destinations.js';
import { indexImageLayout, KiB, singleImageLayout, type Desc, type PushableImage } from './support/images.js';
import { checkBucket, expectSound, sha256Of } from './support/invariants.js';
import { runCli } from './support/processes.js';
import type { Rng } from './support/random.js';
import { blobKeyOf, localTarget, makeRegistry, tagKeyOf, targets, type Bucket, type Target } from './support/stores.js';
import { BASE_SEED, bump, expectNoFailures, runTrials, timeoutFor, trialCount, type Tally, type Trial } from './support/trials.js';

const registry = makeRegistry();
let work: string;
let single: PushableImage;
let index: PushableImage;
/** An unrelated image that an existing destination layout already holds. */
let bystander: PushableImage;
/** The child manifests' bytes of the index image, by digest. */
let childLayers: Map<string, Desc[]>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 's3lo-hostile-tamper-'));
  const layer = (name: string, size: number) => ({ seed: `${BASE_SEED}/tamper/${name}`, size });
  // Two layers of the same size, so one can be swapped for the other unnoticed by size.
  single = await singleImageLayout(join(work, 'single'), [layer('a', 1 * KiB), layer('b', 40 * KiB), layer('c', 40 * KiB), layer('d', 300 * KiB)]);
  index = await indexImageLayout(join(work, 'index'), [layer('e', 2 * KiB), layer('f', 50 * KiB)]);
  bystander = await singleImageLayout(join(work, 'bystander'), [layer('g', 3 * KiB)]);
  childLayers = new Map();
  for (const child of index.children) {
    const doc = JSON.parse(await readFile(join(work, 'index', 'blobs', 'sha256', child.digest.slice(7)), 'utf8')) as { config: Desc; layers: Desc[] };
    childLayers.set(child.digest, [doc.config, ...doc.layers]);
  }
});
afterAll(() => rm(work, { recursive: true, force: true }));

const BLOB_FAILURES = ['DIGEST_MISMATCH', 'SIZE_MISMATCH'];

type Victim = { kind: 'layer' | 'config' | 'child'; desc: Desc } | { kind: 'tag' };
type Tamper = 'flip' | 'truncate' | 'extend' | 'swap-same-size' | 'swap-other-size' | 'delete';

function pickVictim(rng: Rng, image: PushableImage): Victim {
  const kinds: Victim['kind'][] = ['layer', 'config', 'tag', ...(image.children.length > 0 ? (['child'] as const) : [])];
  const kind = rng.pick(kinds);
  if (kind === 'tag') return { kind };
  if (kind === 'child') return { kind, desc: rng.pick(image.children) };
  const configs = image.children.length > 0 ? [...childLayers.values()].map((d) => d[0] as Desc) : [image.contents[0] as Desc];
  const pool = kind === 'config' ? configs : image.contents.filter((d) => !configs.some((c) => c.digest === d.digest));
  return { kind, desc: rng.pick(pool) };
}

/** Changes the stored object behind s3lo's back; returns the new bytes (undefined when deleted). */
async function applyTamper(rng: Rng, bucket: Bucket, key: string, tamper: Tamper, sibling: Desc | undefined, other: Desc): Promise<Buffer | undefined> {
  const bytes = await bucket.read(key);
  let changed: Buffer;
  switch (tamper) {
    case 'flip': {
      changed = Buffer.from(bytes);
      const at = rng.int(0, bytes.length - 1);
      const n = Math.min(rng.int(1, 16), bytes.length - at);
      for (let i = at; i < at + n; i++) changed[i] = (changed[i] as number) ^ rng.int(1, 255);
      break;
    }
    case 'truncate':
      changed = bytes.subarray(0, rng.int(0, bytes.length - 1));
      break;
    case 'extend':
      changed = Buffer.concat([bytes, Buffer.alloc(rng.int(1, 4096), rng.int(0, 255))]);
      break;
    case 'swap-same-size':
      changed = await bucket.read(blobKeyOf((sibling as Desc).digest));
      break;
    case 'swap-other-size':
      changed = await bucket.read(blobKeyOf(other.digest));
      break;
    case 'delete':
      await bucket.remove(key);
      return undefined;
  }
  await bucket.write(key, changed);
  return changed;
}

/** The error code of a failed library call or CLI run (the CLI prints `code: X` with --verbose). */
type Outcome = { ok: true; digest?: string } | { ok: false; code: string; exit?: number | null };

async function viaLibrary(run: () => Promise<{ digest?: string }>): Promise<Outcome> {
  try {
    const result = await run();
    return { ok: true, digest: result.digest };
  } catch (error) {
    return { ok: false, code: S3loError.isInstance(error) ? error.code : `not an S3loError: ${String(error)}` };
  }
}

async function viaCli(args: string[], bucket: Bucket): Promise<Outcome> {
  const run = await runCli([...args, '--verbose', '-o', 'json', ...bucket.cliArgs], { env: bucket.cliEnv });
  if (run.code === 0) return { ok: true, digest: (JSON.parse(run.stdout) as { digest?: string }).digest };
  const code = /^code: (\w+)$/m.exec(run.stderr)?.[1] ?? `(no code; exit ${run.code}) ${run.stderr.split('\n')[0] ?? ''}`;
  return { ok: false, code, exit: run.code };
}

function expectFailure(outcome: Outcome, codes: readonly string[], what: string): void {
  if (outcome.ok) throw new Error(`${what} succeeded (digest ${outcome.digest ?? '?'}) on a tampered bucket`);
  expect(codes, `${what}: error code`).toContain(outcome.code);
  if (outcome.exit !== undefined) expect(outcome.exit, `${what}: the CLI's exit code`).toBe(1);
}

async function oneTrial(trial: Trial, tally: Tally, target: Target): Promise<void> {
  const rng = trial.rng;
  trial.step('make a bucket and push');
  const bucket = await target.newBucket('tamper');
  const out = await mkdtemp(join(tmpdir(), 's3lo-hostile-tamper-out-'));
  let copyBucket: Bucket | undefined;
  try {
    const image = rng.pick([single, index]);
    const options = { registry, backendOptions: bucket.backendOptions };
    await push(image.ref, bucket.ref('app', 'v1'), options);

    const victim = pickVictim(rng, image);
    const key = victim.kind === 'tag' ? tagKeyOf('app', 'v1') : blobKeyOf(victim.desc.digest);
    const sameSize = victim.kind === 'layer' ? image.contents.find((d) => d.digest !== victim.desc.digest && d.size === victim.desc.size) : undefined;
    const otherSize = image.contents.find((d) => victim.kind === 'tag' || d.size !== victim.desc.size) as Desc;
    const tampers: Tamper[] = ['flip', 'truncate', 'extend', ...(victim.kind === 'tag' ? [] : (['swap-other-size', 'delete'] as const)), ...(sameSize ? (['swap-same-size'] as const) : [])];
    const tamper = rng.pick(tampers);
    trial.note(`${victim.kind === 'tag' ? 'the tag' : `${victim.kind} ${victim.desc.digest.slice(7, 19)}`}: ${tamper}`);
    bump(tally, `tamper: ${victim.kind} ${tamper}`);
    trial.step(`tamper (${tamper})`);
    const changed = await applyTamper(rng, bucket, key, tamper, sameSize, otherSize);
    const stored = await bucket.keys();

    if (victim.kind !== 'tag') {
      // The harness's own checker sees it too (it is what the crash and gc harnesses rely on).
      expect((await checkBucket(bucket)).problems.length, 'problems the checker finds after the tamper').toBeGreaterThan(0);
    }

    const viaCliNow = rng.chance(0.3);
    // inspect reads the tag and child manifests, not configs or layers.
    const ops = ['pull-oci', 'pull-oci-existing', 'pull-archive', 'copy', ...(victim.kind === 'child' || victim.kind === 'tag' ? ['inspect'] : [])] as const;
    const op = rng.pick(ops);
    trial.note(`${op} via ${viaCliNow ? 'the CLI' : 'the library'}`);
    bump(tally, `operation: ${op}`);
    trial.step(`${op} via ${viaCliNow ? 'the CLI' : 'the library'}`);

    // A tampered tag: by its old digest it must not be found; by tag it may
    // still parse as some manifest, and then whatever is served must be
    // exactly what the tag now holds.
    const digestRef = bucket.ref('app', 'v1').replace(/:v1$/, `@${image.top.digest}`);
    const source = victim.kind === 'tag' && rng.chance(0.5) ? digestRef : bucket.ref('app', 'v1');
    const expected =
      victim.kind === 'tag'
        ? source === digestRef
          ? ['NOT_FOUND']
          : ['INVALID_MANIFEST', 'INVALID_DIGEST', 'NOT_FOUND', ...BLOB_FAILURES]
        : tamper === 'delete'
          ? ['NOT_FOUND']
          : BLOB_FAILURES;
    const layout = join(out, 'layout');
    let layoutBefore: Buffer | undefined;
    if (op === 'pull-oci-existing') {
      await copy(bystander.ref, `oci:${layout}:keep`, options);
      await copy(bystander.ref, `oci:${layout}:x`, options);
      layoutBefore = await readFile(join(layout, 'index.json'));
    }
    const destination =
      op === 'pull-oci' || op === 'pull-oci-existing'
        ? `oci:${layout}:x`
        : op === 'pull-archive'
          ? `oci-archive:${join(out, 'image.tar')}:x`
          : op === 'copy'
            ? (copyBucket = await target.newBucket('tamper-copy')).ref('app', 'v1')
            : undefined;
    const outcome =
      op === 'inspect'
        ? viaCliNow
          ? await viaCli(['inspect', source], bucket)
          : await viaLibrary(() => inspect(source, options))
        : viaCliNow
          ? await viaCli([op === 'copy' ? 'copy' : 'pull', source, destination as string], copyBucket ?? bucket)
          : await viaLibrary(() => (op === 'copy' ? copy(source, destination as string, { registry, backendOptions: bucket.backendOptions }) : pull(source, destination as string, options)));

    trial.step('check the outcome and the destination');
    if (victim.kind === 'tag' && source !== digestRef && outcome.ok) {
      // The tag still parses: what was served is what it holds, verified.
      bump(tally, 'tampered tags still served (what they now hold)');
      expect(outcome.digest, 'a tampered tag served under its new bytes').toBe(sha256Of(changed as Buffer));
    } else {
      expectFailure(outcome, expected, `${op} of ${source}`);
      bump(tally, `refused with ${outcome.ok ? 'nothing' : outcome.code}`);
      if (op === 'pull-oci' || op === 'pull-oci-existing') {
        expect(await layoutTags(layout), 'tags in the destination layout').toEqual(op === 'pull-oci' ? [] : ['keep', 'x']);
        expect(await layoutProblems(layout), 'the destination layout').toEqual([]);
        if (layoutBefore) expect((await readFile(join(layout, 'index.json'))).equals(layoutBefore), 'index.json unchanged').toBe(true);
      } else if (op === 'pull-archive') {
        expect(existsSync(join(out, 'image.tar')), 'no archive').toBe(false);
        expect(await readdir(out), 'nothing beside it').toEqual([]);
      } else if (op === 'copy') {
        const copied = await checkBucket(copyBucket as Bucket);
        expect(copied.tags, 'tags in the destination bucket').toEqual([]);
        expectSound(copied, 'the destination bucket');
      }
    }
    // Reading never "repairs" or otherwise changes the source.
    expect(await bucket.keys(), 'the source bucket after the operation').toEqual(stored);
    if (changed !== undefined) expect((await bucket.read(key)).equals(changed), 'the tampered object is as it was left').toBe(true);
  } finally {
    await bucket.dispose();
    await copyBucket?.dispose();
    await rm(out, { recursive: true, force: true });
  }
}

describe.each(targets())('tampered bucket: $name', (target) => {
  const count = trialCount(target.name === 'local' ? 30 : 10, target.name === 'local' ? 0.6 : 0.4);

  it(`${count} seeded trials: refused with a digest or size error, nothing bad written, never exit 0`, { timeout: timeoutFor(count, 1500) }, async () => {
    const summary = await runTrials('tamper', target.name, count, (trial, tally) => oneTrial(trial, tally, target));
    expectNoFailures(summary);
  });
});

describe('a corrupt blob of the right size', () => {
  // Issue 8 point 4: a push skips a stored blob whose size matches, so a
  // corrupt one was never rewritten; `verifyExisting` re-hashes what it
  // would skip.
  it('is rewritten by a push with verifyExisting (issue 8 point 4)', async () => {
    const bucket = await localTarget().newBucket('tamper-repush');
    try {
      const options = { registry, backendOptions: bucket.backendOptions };
      await push(single.ref, bucket.ref('app', 'v1'), options);
      const layer = single.contents.find((d) => d.size > 10 * KiB) as Desc;
      const bytes = Buffer.from(await bucket.read(blobKeyOf(layer.digest)));
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
      await bucket.write(blobKeyOf(layer.digest), bytes);
      await push(single.ref, bucket.ref('app', 'v2'), { ...options, verifyExisting: true });
      expectSound(await checkBucket(bucket), 'after a push with verifyExisting');
    } finally {
      await bucket.dispose();
    }
  });
});
