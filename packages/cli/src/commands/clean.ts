import { image, type ref } from '@s3lo/core';
import type { GcResult } from '@s3lo/core/image';
import { readDuration } from '../args/flag-values.js';
import { readBucketLocation } from '../args/values.js';
import { UsageError } from '../errors/usage-error.js';
import { count, formatBytes } from '../output/sizes.js';
import { keyValues } from '../output/table.js';
import { defineBehaviour } from './command.js';
import { needsOf } from './needs.js';

interface CleanPlan {
  readonly location: ref.BucketLocation;
  readonly dryRun: boolean;
  readonly gracePeriodMs: number | undefined;
}

export const clean = defineBehaviour<CleanPlan, GcResult>({
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
    const { leases, gcRuns, uploads } = result;
    const gone = (n: number, done: string, would: string): string => (n === 0 ? '' : result.dryRun ? ` (${would})` : ` (${done})`);
    const odd = [gcRuns.capped > 0 ? `${gcRuns.capped} capped` : '', gcRuns.unreadable > 0 ? `${gcRuns.unreadable} unreadable` : ''].filter((part) => part !== '');
    const out = keyValues([
      ['Scanned', `${count(result.scanned, 'blob')}, ${count(result.roots, 'tag')}`],
      ['Unreferenced', count(result.candidates, 'blob')],
      [result.dryRun ? 'Would delete' : 'Deleted', `${count(result.deleted, 'blob')} (${formatBytes(result.freedBytes)})`],
      ['Kept (recent)', `${count(result.skippedRecent, 'blob')}, younger than the grace period`],
      ['Kept (in use)', `${count(result.skippedInUse, 'blob')}, leased or tagged meanwhile`],
      ['Push leases', `${leases.active} active, ${leases.expired} expired${gone(leases.expired, 'removed', 'would be removed')}`],
      ['GC markers', `${gcRuns.active} active, ${gcRuns.expired} expired${gone(gcRuns.expired, 'removed', 'would be removed')}${odd.length > 0 ? `, ${odd.join(', ')}` : ''}`],
      [
        'Pending uploads',
        uploads.checked
          ? `${uploads.found} found, ${uploads.stale} abandoned${gone(uploads.stale, 'aborted', 'would be aborted')}, ${uploads.kept} kept (recent or leased)`
          : 'not checked (the store cannot list them)',
      ],
    ]);
    const leftovers = leases.expired + gcRuns.expired + uploads.stale;
    if (result.dryRun && result.deleted + leftovers > 0) context.note('dry run: nothing was deleted; run again with --confirm to delete them');
    else if (result.dryRun) context.note('dry run: nothing was deleted');
    if (gcRuns.capped + gcRuns.unreadable > 0) {
      context.note(`warning: the bucket holds GC markers s3lo would never write (${odd.join(', ')}): pushes obey them only as the protocol allows; see gc-runs/ in the bucket`);
    }
    return out;
  },
});
