import { image, type ref } from '@s3lo/core';
import type { GcResult } from '@s3lo/core/image';
import { STORE_OPTIONS } from '../args/options.js';
import { readBucketLocation, readDuration } from '../args/values.js';
import { UsageError } from '../errors/usage-error.js';
import { count, formatBytes } from '../output/sizes.js';
import { keyValues } from '../output/table.js';
import { defineCommand } from './command.js';
import { needsOf } from './needs.js';

interface CleanPlan {
  readonly location: ref.BucketLocation;
  readonly dryRun: boolean;
  readonly gracePeriodMs: number | undefined;
}

export const clean = defineCommand<CleanPlan, GcResult>({
  name: 'clean',
  aliases: ['gc'],
  summary: 'garbage-collect blobs no tag references (dry run unless --confirm)',
  arguments: '<bucket>',
  description: `Finds the blobs of a bucket that no tag references and no running push has leased, and that are older than the grace period, and deletes them with --confirm. Without --confirm nothing is deleted: it reports exactly what a real run would delete. Safe while pushes run. Works on the whole bucket (blobs are shared by every image), so a name filter is refused.`,
  examples: ['s3lo clean s3://my-bucket', 's3lo clean local://./store --confirm --grace 0s'],
  positionals: ['bucket'],
  options: ['confirm', 'grace', ...STORE_OPTIONS],
  prepare: ({ positionals, values }) => {
    const text = positionals[0] ?? '';
    const location = readBucketLocation(text);
    if (location.prefix !== '') {
      const whole = location.toString().slice(0, -location.prefix.length);
      throw new UsageError(`clean works on a whole bucket; ${text} names images under "${location.prefix}"`, { hint: `blobs are shared by every image: run s3lo clean ${whole}` });
    }
    return { location, dryRun: values.confirm !== true, gracePeriodMs: readDuration(values, 'grace') };
  },
  needs: (plan) => needsOf([plan.location]),
  run: (plan, { signal, registry, backendOptions }) =>
    image.gc(plan.location, {
      signal,
      registry,
      backendOptions,
      dryRun: plan.dryRun,
      ...(plan.gracePeriodMs === undefined ? {} : { gracePeriodMs: plan.gracePeriodMs }),
    }),
  text: (result, context) => {
    const out = keyValues([
      ['Scanned', `${count(result.scanned, 'blob')}, ${count(result.roots, 'tag')}`],
      ['Unreferenced', count(result.candidates, 'blob')],
      [result.dryRun ? 'Would delete' : 'Deleted', `${count(result.deleted, 'blob')} (${formatBytes(result.freedBytes)})`],
      ['Kept (recent)', `${count(result.skippedRecent, 'blob')}, younger than the grace period`],
      ['Kept (in use)', `${count(result.skippedInUse, 'blob')}, leased or tagged meanwhile`],
      ['Push leases', `${result.leases.active} active, ${result.leases.expired} expired${result.dryRun || result.leases.expired === 0 ? '' : ' (removed)'}`],
    ]);
    if (result.dryRun && result.deleted > 0) context.note('dry run: nothing was deleted; run again with --confirm to delete them');
    else if (result.dryRun) context.note('dry run: nothing was deleted');
    return out;
  },
});
