import { image, type ref } from '@s3lo/core';
import type { ListedImage } from '@s3lo/core/image';
import { readBucketLocation } from '../args/values.js';
import { table } from '../output/table.js';
import { defineBehaviour } from './command.js';
import { needsOf } from './needs.js';

interface ListPlan {
  readonly location: ref.BucketLocation;
}

export const list = defineBehaviour<ListPlan, ListedImage[]>({
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
