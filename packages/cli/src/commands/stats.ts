import { image, type ref } from '@s3lo/core';
import type { BucketStats } from '@s3lo/core/image';
import { readBucketLocation } from '../args/values.js';
import { formatBytes } from '../output/sizes.js';
import { keyValues } from '../output/table.js';
import { defineBehaviour } from './command.js';
import { needsOf } from './needs.js';

interface StatsPlan {
  readonly location: ref.BucketLocation;
}

export const stats = defineBehaviour<StatsPlan, BucketStats>({
  prepare: ({ positionals }) => ({ location: readBucketLocation(positionals[0] ?? '') }),
  needs: (plan) => needsOf([plan.location]),
  run: (plan, { signal, registry, backendOptions }) => image.stats(plan.location, { signal, registry, backendOptions }),
  text: (s) => {
    const saved = s.logicalBytes > 0 ? ` (${((s.savedBytes / s.logicalBytes) * 100).toFixed(1)}%)` : '';
    return keyValues([
      ['Images', String(s.images)],
      ['Tags', String(s.tags)],
      ['Unique blobs', String(s.uniqueBlobs)],
      ['Logical size', formatBytes(s.logicalBytes)],
      ['Stored size', formatBytes(s.actualBytes)],
      ['Saved', `${formatBytes(s.savedBytes)}${saved}`],
    ]);
  },
});
