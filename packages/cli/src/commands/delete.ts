import { image, type ref } from '@s3lo/core';
import type { DeleteImageResult } from '@s3lo/core/image';
import { readBucketImage, requireExplicitTag } from '../args/values.js';
import { shortDigest } from '../output/digests.js';
import { defineBehaviour } from './command.js';
import { needsOf } from './needs.js';

interface DeletePlan {
  readonly reference: ref.BucketImageReference;
  readonly force: boolean;
}

export const remove = defineBehaviour<DeletePlan, DeleteImageResult>({
  prepare: ({ positionals, values }) => {
    const text = positionals[0] ?? '';
    const reference = readBucketImage(text, 'image');
    requireExplicitTag(reference, text, 'delete', true);
    return { reference, force: values.force === true };
  },
  needs: (plan) => needsOf([plan.reference]),
  run: (plan, { signal, registry, backendOptions }) => image.delete(plan.reference, { signal, registry, backendOptions, force: plan.force }),
  text: (result) => {
    const base = result.reference.replace(/[:@][^/]*$/, '');
    return `deleted ${result.tags.map((tag) => `${base}:${tag}`).join(', ')} (${shortDigest(result.digest)})\n`;
  },
});
