import { image, type ref } from '@s3lo/core';
import type { ListedImage } from '@s3lo/core/image';
import { STORE_OPTIONS } from '../args/options.js';
import { readBucketLocation } from '../args/values.js';
import { table } from '../output/table.js';
import { defineCommand } from './command.js';
import { needsOf } from './needs.js';

interface ListPlan {
  readonly location: ref.BucketLocation;
}

export const list = defineCommand<ListPlan, ListedImage[]>({
  name: 'list',
  aliases: ['ls'],
  summary: 'list the images and tags in a bucket',
  arguments: '<bucket>',
  description: `Lists the images of a bucket and their tags, sorted. A name filter narrows it to whole path components: s3://bucket/team/ lists team and team/..., never teams. Only keys are listed; no object is read.`,
  examples: ['s3lo list s3://my-bucket', 's3lo ls local://./store/team/ -o json'],
  positionals: ['bucket'],
  options: STORE_OPTIONS,
  prepare: ({ positionals }) => ({ location: readBucketLocation(positionals[0] ?? '') }),
  needs: (plan) => needsOf([plan.location]),
  run: (plan, { signal, registry, backendOptions }) => image.list(plan.location, { signal, registry, backendOptions }),
  text: (images, context) => {
    if (images.length === 0) {
      context.note('no images');
      return '';
    }
    return table(
      ['IMAGE', 'TAGS'],
      images.map((i) => [i.name, i.tags.join(', ')]),
    );
  },
});
