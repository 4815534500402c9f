import { image, type ref } from '@s3lo/core';
import type { BucketStats } from '@s3lo/core/image';
import { STORE_OPTIONS } from '../args/options.js';
import { readBucketLocation } from '../args/values.js';
import { formatBytes } from '../output/sizes.js';
import { keyValues } from '../output/table.js';
import { defineCommand } from './command.js';
import { needsOf } from './needs.js';

interface StatsPlan {
  readonly location: ref.BucketLocation;
}

export const stats = defineCommand<StatsPlan, BucketStats>({
  name: 'stats',
  summary: 'count images, tags and blobs, and what deduplication saves',
  arguments: '<bucket>',
  description: `Counts the images and tags of a bucket (or of a name filter: s3://bucket/team/), the blobs it stores, the logical size of its tags (each tag counted in full) and the bytes actually stored; the difference is what deduplication saves. Blob counts always cover the whole bucket, since blobs are shared.`,
  examples: ['s3lo stats s3://my-bucket', 's3lo stats local://./store -o json'],
  positionals: ['bucket'],
  options: STORE_OPTIONS,
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
