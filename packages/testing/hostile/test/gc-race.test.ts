// Pushes racing garbage collection (grace period 0), interleaved call by
// call in a seeded order (support/interleaving.ts), many rounds, on local://
// and Ceph RGW. Each round starts from a bucket where the blobs the pushes
// need are already stored but unreferenced (a deleted tag's), so gc wants
// exactly what the pushes are about to reuse, beside a tag gc must keep.
//
// What must hold after every round:
// - every push that reported success has its tag, naming its image, and
//   every blob that image reaches is stored and hash-correct (gc never
//   deleted a blob a finished push references);
// - the bucket's invariants (support/invariants.ts), and the kept tag;
// - a gc run afterwards, alone, keeps all of that too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteImage, gc, pull, push, type CopyResult, type GcResult } from '@s3lo/core/image';
import { startLayout } from '@s3lo/oci-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, KiB, pushable, writeTags, type PushableImage } from './support/images.js';
import { Interleaving } from './support/interleaving.js';
import { checkBucket, expectSound } from './support/invariants.js';
import { makeRegistry, tagKeyOf, targets } from './support/stores.js';
import { BASE_SEED, bump, expectNoFailures, runTrials, timeoutFor, trialCount } from './support/trials.js';

let work: string;
/** `old` shares its base and middle layers with the others; a, b, c share the base. */
let images: { old: PushableImage; keep: PushableImage; racers: PushableImage[] };
const registry = makeRegistry();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 's3lo-hostile-gc-'));
  const layout = join(work, 'layout');
  await startLayout(layout);
  const layer = (name: string, size: number) => ({ seed: `${BASE_SEED}/gc-race/${name}`, size });
  const base = layer('base', 64 * KiB);
  const middle = layer('middle', 24 * KiB);
  const old = await buildImage(layout, [base, middle, layer('old', 3 * KiB)]);
  const keep = await buildImage(layout, [layer('keep', 5 * KiB)]);
  const a = await buildImage(layout, [base, middle, layer('a', 7 * KiB)]);
  const b = await buildImage(layout, [base, layer('b', 9 * KiB)]);
  const c = await buildImage(layout, [base, middle]);
  const tagged = { old, keep, a, b, c };
  await writeTags(
    layout,
    Object.entries(tagged).map(([tag, image]) => ({ tag, top: image.manifest })),
  );
  images = {
    old: pushable(layout, 'old', old),
    keep: pushable(layout, 'keep', keep),
    racers: [pushable(layout, 'a', a), pushable(layout, 'b', b), pushable(layout, 'c', c)],
  };
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe.each(targets())('pushes racing gc: $name', (target) => {
  const count = trialCount(target.name === 'local' ? 40 : 6, target.name === 'local' ? 0.6 : 0.4);

  it(`${count} seeded interleavings: every finished push keeps its tag and blobs`, { timeout: timeoutFor(count, 3000) }, async () => {
    const summary = await runTrials('gc-race', target.name, count, async (trial, tally) => {
      const rng = trial.rng;
      trial.step('make a bucket');
      const bucket = await target.newBucket('gc-race');
      const options = { registry, backendOptions: bucket.backendOptions };
      try {
        trial.step("set up: a kept tag, and the racers' blobs stored but unreferenced");
        await push(images.keep.ref, bucket.ref('keep', 'v1'), options);
        await push(images.old.ref, bucket.ref('old', 'v1'), options);
        await deleteImage(bucket.ref('old', 'v1'), options);

        const pushes = rng.int(1, 3);
        const gcs = rng.int(1, 2);
        const racers = Array.from({ length: pushes }, (_, i) => ({ actor: `push-${i}`, image: rng.pick(images.racers), tag: `t${i}` }));
        const collectors = Array.from({ length: gcs }, (_, i) => ({ actor: `gc-${i}`, batchSize: rng.pick([1, 2, 1000]) }));
        const plan = Interleaving.random(rng, [...racers.map((r) => r.actor), ...collectors.map((g) => g.actor)], rng.int(3, 14), 6);
        trial.note(`pushes ${racers.map((r) => `${r.actor}=${r.image.ref.split(':').pop()}`).join(' ')}, gc batch sizes ${collectors.map((g) => g.batchSize).join(',')}`);
        trial.note(`plan ${plan.plan.map((p) => `${p.actor}x${p.calls}`).join(' ')}`);

        trial.step('race');
        const settle = <T>(actor: string, run: () => Promise<T>) =>
          run()
            .then(
              (value) => ({ ok: true as const, value }),
              (error: unknown) => ({ ok: false as const, error }),
            )
            .finally(() => plan.finished(actor));
        const [pushed, collected] = await Promise.all([
          Promise.all(
            racers.map((r) =>
              settle(r.actor, () =>
                push(r.image.ref, bucket.ref('app', r.tag), { registry: plan.registryFor(r.actor), backendOptions: bucket.backendOptions, concurrency: rng.int(1, 4), gcPollMs: 20 }),
              ),
            ),
          ),
          Promise.all(
            collectors.map((g) =>
              settle(g.actor, () => gc(bucket.url, { registry: plan.registryFor(g.actor), backendOptions: bucket.backendOptions, gracePeriodMs: 0, batchSize: g.batchSize })),
            ),
          ),
        ]);

        trial.step('outcomes');
        const failed = [...pushed, ...collected].filter((o) => !o.ok).map((o) => String((o as { error: unknown }).error));
        expect(failed, 'every push and gc of the race succeeds').toEqual([]);
        for (const g of collected) bump(tally, 'blobs deleted by racing gc runs', (g as { value: GcResult }).value.deleted);
        bump(tally, 'pushes', pushes);
        bump(tally, 'pushes that waited for a gc run', racers.filter((r) => (plan.gcRunLooks.get(r.actor) ?? 0) > 1).length);
        bump(tally, 'gc runs', gcs);

        trial.step('check the bucket after the race');
        const check = await checkBucket(bucket);
        expectSound(check, 'after the race');
        const tagOf = new Map(check.tags.map((t) => [t.key, t.digest]));
        expect(tagOf.get(tagKeyOf('keep', 'v1')), 'the kept tag').toBe(images.keep.top.digest);
        racers.forEach((r, i) => {
          const result = (pushed[i] as { value: CopyResult }).value;
          expect(tagOf.get(tagKeyOf('app', r.tag)), `${r.actor}'s tag`).toBe(result.digest);
          for (const d of r.image.contents) expect(check.blobs.has(d.digest), `${r.actor}'s blob ${d.digest}`).toBe(true);
        });

        trial.step('gc alone afterwards');
        const later = await gc(bucket.url, { ...options, gracePeriodMs: 0 });
        bump(tally, 'blobs deleted by the gc afterwards', later.deleted);
        const after = await checkBucket(bucket);
        expectSound(after, 'after the gc that followed');
        expect(after.tags.length, 'tags after the gc that followed').toBe(1 + pushes);
        const victim = rng.pick(racers);
        trial.step(`pull ${victim.tag}`);
        const out = join(work, `pull-${trial.name.replaceAll('/', '-')}`);
        try {
          const pulled = await pull(bucket.ref('app', victim.tag), `oci:${out}:x`, options);
          expect(pulled.digest).toBe(victim.image.top.digest);
        } finally {
          await rm(out, { recursive: true, force: true });
        }
      } finally {
        await bucket.dispose();
      }
    });
    expectNoFailures(summary);
  });
});
