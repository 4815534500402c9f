import { image, type ref } from '@s3lo/core';
import type { VerifyResult } from '@s3lo/core/image';
import { readBucketScope, readConcurrency } from '../args/values.js';
import { ExitCode } from '../errors/exit-codes.js';
import { shortDigest } from '../output/digests.js';
import { count, formatBytes } from '../output/sizes.js';
import { keyValues, table } from '../output/table.js';
import { defineBehaviour, type RunContext } from './command.js';
import { needsOf } from './needs.js';

interface VerifyPlan {
  readonly target: ref.BucketLocation | ref.BucketImageReference;
  readonly repair: boolean;
  readonly concurrency: number | undefined;
}

export const verify = defineBehaviour<VerifyPlan, VerifyResult>({
  prepare: ({ positionals, values }) => ({
    target: readBucketScope(positionals[0] ?? ''),
    repair: values.repair === true,
    concurrency: readConcurrency(values),
  }),
  needs: (plan) => needsOf([plan.target]),
  run,
  text,
  exitCode: (result) => (result.sound ? ExitCode.OK : ExitCode.FAILED),
});

async function run(plan: VerifyPlan, context: RunContext): Promise<VerifyResult> {
  const { signal, registry, backendOptions } = context;
  const progress = context.progress({ moved: 'hashed', skipped: 'skipped' });
  try {
    return await image.verify(plan.target, {
      signal,
      registry,
      backendOptions,
      repair: plan.repair,
      ...(plan.concurrency === undefined ? {} : { concurrency: plan.concurrency }),
      onStart: (start) => progress.start(start),
      onProgress: (p) => progress.progress(p),
      onBlob: (blob) => progress.blob(blob.digest, blob.size, false),
    });
  } finally {
    progress.finish();
  }
}

function text(result: VerifyResult, context: RunContext): string {
  const { checked } = result;
  const scanned = `${count(checked.tags, 'tag')}, ${count(checked.manifests, 'manifest')}, ${count(checked.blobs, 'blob')} (${formatBytes(checked.bytes)})`;
  const leftovers = leftoverSummary(result, context);
  if (result.sound) return `${result.reference}: sound; checked ${scanned}\n${leftovers === undefined ? '' : keyValues([['Leftovers', leftovers]])}`;

  let out = keyValues([
    ['Checked', scanned],
    ['Broken tags', `${result.brokenTags.length} (${result.danglingTags.length} dangling)`],
    ['Corrupt blobs', String(result.corruptBlobs.length)],
    ['Missing blobs', String(result.missingBlobs.length)],
    ['Unreadable', count(result.unreadableManifests.length, 'manifest')],
    ...(leftovers === undefined ? [] : [['Leftovers', leftovers] as [string, string]]),
  ]);
  const rows: string[][] = [
    ...result.corruptBlobs.map((b) => [b.problem === 'digest-mismatch' ? 'corrupt' : 'wrong size', shortDigest(b.digest), formatBytes(b.size), tagList(b.tags, 'unreferenced')]),
    ...result.missingBlobs.map((b) => ['missing', shortDigest(b.digest), '-', tagList(b.tags, '-')]),
    ...result.unreadableManifests.map((m) => ['unreadable', m.digest === undefined ? m.key : shortDigest(m.digest), m.code, tagList(m.tags, '-')]),
  ];
  out += `\n${table(['PROBLEM', 'OBJECT', 'SIZE/CODE', 'BREAKS'], rows)}`;
  if (result.repair !== null) {
    const { deleted, skipped, brokenUntilPush } = result.repair;
    out += `\n${keyValues([
      ['Deleted', deleted.length === 0 ? 'nothing' : `${count(deleted.length, 'corrupt blob')}: ${deleted.map(shortDigest).join(', ')}`],
      ...skipped.map((s): [string, string] => ['Not deleted', `${shortDigest(s.digest)} (${skipReason(s.reason)}${s.message === undefined ? '' : `: ${s.message}`})`]),
      ['Push again', brokenUntilPush.length === 0 ? '-' : brokenUntilPush.join(', ')],
    ])}`;
    if (brokenUntilPush.length > 0) context.note('hint: push those tags again to upload the deleted blobs (or they stay dangling)');
  } else if (result.corruptBlobs.some((b) => b.problem === 'digest-mismatch')) {
    context.note('hint: run again with --repair to delete the corrupt blobs, then push the broken tags again (or push them with --verify-existing)');
  }
  return out;
}

/**
 * One line on what killed GC runs and pushes left behind (they break no
 * image), with the hint that removes them; undefined when there is nothing.
 */
function leftoverSummary(result: VerifyResult, context: RunContext): string | undefined {
  const { leftovers } = result;
  if (leftovers === null) return undefined;
  const { gcRuns, leases, uploads } = leftovers;
  const parts = [
    gcRuns.expired > 0 ? count(gcRuns.expired, 'expired GC marker') : '',
    gcRuns.capped > 0 ? `${count(gcRuns.capped, 'GC marker')} expiring too late (capped)` : '',
    gcRuns.unreadable > 0 ? count(gcRuns.unreadable, 'unreadable GC marker') : '',
    leases.expired > 0 ? count(leases.expired, 'expired push lease') : '',
    uploads !== null && uploads.stale > 0 ? count(uploads.stale, 'abandoned upload') : '',
  ].filter((part) => part !== '');
  if (leases.unreadable !== null) {
    parts.push(`unreadable lease ${leases.unreadable.key}`);
    context.note(`hint: gc refuses to run while ${leases.unreadable.key} stands; if no push is running, delete it`);
  }
  if (parts.length === 0) return undefined;
  const bucket = result.reference;
  context.note(`hint: s3lo clean ${bucket} --confirm removes what killed runs and pushes left`);
  return parts.join(', ');
}

function tagList(tags: readonly string[], none: string): string {
  if (tags.length === 0) return none;
  return tags.length <= 3 ? tags.join(', ') : `${tags.slice(0, 3).join(', ')} and ${tags.length - 3} more`;
}

function skipReason(reason: string): string {
  switch (reason) {
    case 'rewritten':
      return 'sound when re-hashed: rewritten meanwhile';
    case 'gone':
      return 'already gone';
    default:
      return 'the store refused the delete';
  }
}
