import { image, type ref } from '@s3lo/core';
import type { DeleteImageResult } from '@s3lo/core/image';
import { STORE_OPTIONS } from '../args/options.js';
import { readBucketImage, requireExplicitTag } from '../args/values.js';
import { shortDigest } from '../output/digests.js';
import { defineCommand } from './command.js';
import { needsOf } from './needs.js';

interface DeletePlan {
  readonly reference: ref.BucketImageReference;
  readonly force: boolean;
}

export const remove = defineCommand<DeletePlan, DeleteImageResult>({
  name: 'delete',
  aliases: ['rm'],
  summary: 'delete a tag (blobs stay until clean)',
  arguments: '<image>',
  description: `Deletes a tag: its manifest and the records kept beside it (never another image's tags: deleting team:app keeps team/app:v1). Blobs stay, since other tags may share them; 'clean' reclaims those nothing references any more. <image> needs an explicit :<tag>, or @sha256:<digest> to delete every tag of the image holding that digest.

--force: delete even when the bucket's s3lo.yaml marks the image immutable.`,
  examples: ['s3lo delete s3://my-bucket/team/app:v1', 's3lo rm local://./store/app@sha256:<digest>'],
  positionals: ['image'],
  options: ['force', ...STORE_OPTIONS],
  optionHelp: { force: "delete even if the bucket's s3lo.yaml marks the image immutable" },
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
