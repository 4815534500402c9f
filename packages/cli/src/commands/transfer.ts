import { image, ref } from '@s3lo/core';
import type { CopyResult } from '@s3lo/core/image';
import { readConcurrency, readImageLocation, readBucketImage, readPlatforms, requireExplicitTag } from '../args/values.js';
import { UsageError } from '../errors/usage-error.js';
import { formatDuration } from '../args/duration.js';
import { shortDigest } from '../output/digests.js';
import { gcWaitLine } from '../output/gc-wait.js';
import { count, formatBytes } from '../output/sizes.js';
import { defineBehaviour, type CommandInput, type RunContext } from './command.js';
import { needsOf } from './needs.js';

type Verb = 'push' | 'pull' | 'copy';

interface TransferPlan {
  readonly source: ref.ImageLocation;
  readonly destination: ref.ImageLocation;
  readonly platforms: string[] | undefined;
  readonly concurrency: number | undefined;
  readonly force: boolean;
  readonly verifyExisting: boolean;
}

/** A transfer's result as printed: the library's, unchanged (timing is for people only). */
type TransferResult = CopyResult & { readonly [elapsed]?: number };
const elapsed = Symbol('elapsed');

const PAST: Record<Verb, string> = { push: 'pushed', pull: 'pulled', copy: 'copied' };

function prepare(verb: Verb, input: CommandInput): TransferPlan {
  const [sourceText = '', destinationText = ''] = input.positionals;
  // push: a bare name:tag source is a Docker Engine image, as with `docker push`;
  // pull: a bare name:tag destination is one too (load into the engine).
  const source = verb === 'pull' ? readBucketImage(sourceText, 'source') : readImageLocation(sourceText, 'source', verb === 'push' ? { bareNameIs: 'docker-daemon' } : {});
  const destination =
    verb === 'push' ? readBucketImage(destinationText, 'destination') : readImageLocation(destinationText, 'destination', verb === 'pull' ? { bareNameIs: 'docker-daemon' } : {});
  if (destination.kind === 'bucket-image') requireExplicitTag(destination, destinationText, verb, false);
  const verifyExisting = input.values['verify-existing'] === true;
  if (verifyExisting && destination.kind !== 'bucket-image') {
    throw new UsageError(`--verify-existing re-hashes blobs a bucket already has; ${destinationText} is not a bucket`, {
      hint: 'leave it out, or copy into a bucket image (<scheme>://<bucket>/<image>:<tag>)',
    });
  }
  return {
    source,
    destination,
    platforms: readPlatforms(input.values),
    concurrency: readConcurrency(input.values),
    force: input.values.force === true,
    verifyExisting,
  };
}

async function run(plan: TransferPlan, context: RunContext): Promise<TransferResult> {
  const started = performance.now();
  const { signal, registry, backendOptions } = context;
  const progress = context.progress();
  const corrupt: string[] = [];
  const bucket = plan.destination.kind === 'bucket-image' ? ref.BucketLocation.from({ scheme: plan.destination.scheme, bucket: plan.destination.bucket }).toString() : '';
  const note = (line: string): void => (progress.note === undefined ? context.note(line) : progress.note(line));
  try {
    const result = await image.copy(plan.source, plan.destination, {
      signal,
      registry,
      backendOptions,
      ...(plan.platforms === undefined ? {} : { platform: plan.platforms }),
      ...(plan.concurrency === undefined ? {} : { concurrency: plan.concurrency }),
      force: plan.force,
      onStart: (start) => progress.start(start),
      onProgress: (p) => progress.progress(p),
      onBlob: (digest, size, skipped) => progress.blob(digest, size, skipped),
      ...(plan.verifyExisting ? { verifyExisting: true, onCorruptExisting: (digest: string) => void corrupt.push(digest) } : {}),
      // A push held back by a GC run (or a marker that only looks like one) says so.
      onGcWait: (event) => note(gcWaitLine(event, bucket)),
    });
    return Object.defineProperty({ ...result }, elapsed, { value: performance.now() - started, enumerable: false });
  } finally {
    progress.finish();
    // After the bars are gone, so the lines are not drawn over.
    for (const digest of corrupt) context.note(`rewrote ${shortDigest(digest)}: the bucket held it corrupt`);
  }
}

function text(verb: Verb, result: TransferResult): string {
  const took = result[elapsed];
  const platforms = result.platforms.length > 1 ? `; ${count(result.platforms.length, 'platform')} (${result.platforms.join(', ')})` : '';
  return (
    `${PAST[verb]} ${result.reference} (${shortDigest(result.digest)}): ` +
    `${count(result.blobsCopied, 'blob')} copied (${formatBytes(result.bytesCopied)}), ${result.blobsSkipped} skipped` +
    `${result.blobsRepaired > 0 ? `, ${result.blobsRepaired} corrupt rewritten` : ''}` +
    `${platforms}${took === undefined ? '' : `, ${formatDuration(took)}`}\n`
  );
}

export const push = defineBehaviour<TransferPlan, TransferResult>({
  prepare: (input) => prepare('push', input),
  needs: (plan) => needsOf([plan.source, plan.destination]),
  run,
  text: (result) => text('push', result),
});

export const pull = defineBehaviour<TransferPlan, TransferResult>({
  prepare: (input) => prepare('pull', input),
  needs: (plan) => needsOf([plan.source, plan.destination]),
  run,
  text: (result) => text('pull', result),
});

export const copy = defineBehaviour<TransferPlan, TransferResult>({
  prepare: (input) => prepare('copy', input),
  needs: (plan) => needsOf([plan.source, plan.destination]),
  run,
  text: (result) => text('copy', result),
});
