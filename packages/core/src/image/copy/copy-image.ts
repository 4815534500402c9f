import { Readable, pipeline } from 'node:stream';
import type { Digest } from '../../digest/digest.js';
import { createDigestVerifier } from '../../digest/digest-streams.js';
import { throwIfAborted } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { MAX_CONFIG_BYTES, formatPlatform, parseImageConfig } from '../../oci/index.js';
import type { Descriptor, Platform } from '../../oci/types.js';
import { readAllCapped } from '../../storage/body.js';
import type { CallOptions } from '../../storage/backend.js';
import type { ImageSink, ImageSource } from '../transport.js';
import { mapConcurrent } from '../../storage/map-concurrent.js';
import { checkSinglePlatform, planCopy, type CopyPlan } from './copy-plan.js';

/** How many blobs move at once unless told otherwise. */
export const DEFAULT_COPY_CONCURRENCY = 4;

/** Progress of one blob's bytes, for progress bars. */
export interface BlobProgress {
  readonly digest: Digest;
  /** Bytes of this blob moved so far. */
  readonly bytes: number;
  /** The blob's size. */
  readonly size: number;
}

/** What a copy is about to do, reported once before any blob moves. */
export interface CopyStart {
  readonly digest: Digest;
  readonly blobs: number;
  /** Sum of the sizes of every blob (skipped ones included). */
  readonly totalBytes: number;
  readonly platforms: readonly string[];
}

/** Options of the copy algorithm (and of push, pull, copy). */
export interface CopyImageOptions extends CallOptions {
  /**
   * Which platforms of a multi-platform image to copy: all when absent; one
   * (its manifest becomes the destination's tag) or several (a new index of
   * just those). A single-platform image must match each of them (its
   * config says its platform): PLATFORM_NOT_FOUND otherwise.
   */
  readonly platforms?: readonly Platform[];
  /** How many blobs move at once (default {@link DEFAULT_COPY_CONCURRENCY}). */
  readonly concurrency?: number;
  /** Called once before blobs move. */
  readonly onStart?: (start: CopyStart) => void;
  /** Called once per blob when it is done: copied (`skipped` false) or already there. */
  readonly onBlob?: (digest: Digest, size: number, skipped: boolean) => void;
  /** Called as a blob's bytes move (with `verifyExisting`, also as an existing blob is re-hashed). */
  readonly onProgress?: (progress: BlobProgress) => void;
  /**
   * Re-hash (streamed) every blob the destination already has, instead of
   * trusting it because it is there with the right size. A corrupt one is
   * written again from the source (overwritten with verified bytes),
   * counted in `blobsRepaired` and reported through `onCorruptExisting`;
   * child manifests of an index are checked the same way. It costs a read
   * of every blob the destination has. Needs a sink that can check what it
   * holds (a bucket): INVALID_ARGUMENT otherwise, before anything is written.
   * @default false
   */
  readonly verifyExisting?: boolean;
  /** With `verifyExisting`: a blob (or child manifest) the destination had is corrupt and is about to be written again. */
  readonly onCorruptExisting?: (digest: Digest, size: number) => void;
}

/** The outcome of a copy. */
export interface CopyImageResult {
  /** Digest of what the destination now holds (the top manifest or index). */
  readonly digest: Digest;
  readonly mediaType: string;
  readonly blobsCopied: number;
  readonly blobsSkipped: number;
  /** Bytes of blobs actually moved (skipped blobs not counted). */
  readonly bytesCopied: number;
  /**
   * Blobs and child manifests the destination already had whose bytes were
   * corrupt, written again (only with `verifyExisting`; otherwise 0).
   * Configs and layers among them count in `blobsCopied` too.
   */
  readonly blobsRepaired: number;
  /** Platforms copied, `os/arch[/variant]`. */
  readonly platforms: readonly string[];
}

/**
 * The one copy algorithm under push, pull and copy: plan from the source's
 * manifest, announce the digests to the sink, move every blob the sink lacks
 * (bounded concurrency, verified while streaming), write child manifests,
 * then commit the top manifest last. The sink is closed in every case, told
 * whether the copy committed; the source is closed too.
 */
export async function copyImage(source: ImageSource, sink: ImageSink, options: CopyImageOptions = {}): Promise<CopyImageResult> {
  let committed = false;
  try {
    const { signal } = options;
    const check = existingBlobCheck(sink, options);
    const plan = await planCopy(source, options.platforms, { signal });
    let platforms = plan.platforms;
    if (plan.singleConfig !== undefined) {
      const platform = await platformOfConfig(source, plan.singleConfig, signal);
      // Before anything is written: a request for arm64 must not quietly copy an amd64 image.
      if (options.platforms !== undefined) checkSinglePlatform(options.platforms, platform, source.description);
      platforms = platform === undefined ? [] : [formatPlatform(platform)];
    }
    await source.checkBlobs?.(plan.blobs, { signal });
    await sink.checkCommit?.(plan.top, { signal });
    options.onStart?.({
      digest: plan.top.digest,
      blobs: plan.blobs.length,
      totalBytes: plan.blobs.reduce((sum, blob) => sum + blob.size, 0),
      platforms,
    });
    await sink.begin?.(allDigests(plan), { signal });

    let blobsCopied = 0;
    let blobsSkipped = 0;
    let blobsRepaired = 0;
    let bytesCopied = 0;
    /**
     * What the sink holds under `blob`: trusted when present with the right
     * size, or with `verifyExisting` re-hashed (a corrupt one, whatever its
     * size, is counted and reported).
     */
    const existing = async (blob: Descriptor, progress: boolean): Promise<'sound' | 'corrupt' | 'absent'> => {
      if (check === undefined) return (await sink.hasBlob(blob, { signal })) ? 'sound' : 'absent';
      const found = await check(blob, { signal, onProgress: progress ? progressOf(blob, options) : undefined });
      if (found === 'corrupt') {
        blobsRepaired++;
        options.onCorruptExisting?.(blob.digest, blob.size);
      }
      return found;
    };
    const limit = Math.min(options.concurrency ?? DEFAULT_COPY_CONCURRENCY, sink.maxConcurrentWrites ?? Infinity);
    await mapConcurrent(largestFirst(plan.blobs), limit, signal, async (blob) => {
      if ((await existing(blob, true)) === 'sound') {
        blobsSkipped++;
        options.onBlob?.(blob.digest, blob.size, true);
        return;
      }
      if (!(await sink.copyBlobFrom?.(source, blob, { signal }))) await streamBlob(source, sink, blob, options);
      blobsCopied++;
      bytesCopied += blob.size;
      options.onBlob?.(blob.digest, blob.size, false);
    });

    for (const child of plan.children) {
      throwIfAborted(signal);
      // writeChildManifest skips a child that is present: overwrite a corrupt one first (its bytes were verified by the plan).
      if (check !== undefined && (await existing(child.descriptor, false)) === 'corrupt') {
        await sink.writeBlob(child.descriptor, Readable.from([child.bytes]), { signal });
      }
      await sink.writeChildManifest(child.descriptor, child.bytes, { signal });
    }
    throwIfAborted(signal);
    const again = new Set(
      await sink.beforeCommit?.(
        [...plan.blobs, ...plan.children.map((c) => c.descriptor)].map((d) => d.digest),
        { signal },
      ),
    );
    if (again.size > 0) {
      // A garbage collection deleted some while we copied (it could not know
      // we were about to reuse them): write them again.
      await mapConcurrent(
        plan.blobs.filter((b) => again.has(b.digest)),
        limit,
        signal,
        (blob) => streamBlob(source, sink, blob, options),
      );
      for (const child of plan.children.filter((c) => again.has(c.descriptor.digest))) {
        await sink.writeChildManifest(child.descriptor, child.bytes, { signal });
      }
    }
    throwIfAborted(signal);
    await sink.commit(plan.top, { signal });
    committed = true;
    return { digest: plan.top.digest, mediaType: plan.top.mediaType, blobsCopied, blobsSkipped, blobsRepaired, bytesCopied, platforms };
  } finally {
    await closeBoth(source, sink, committed);
  }
}

/**
 * The sink's `checkBlob` when `verifyExisting` asks for it; INVALID_ARGUMENT
 * (before anything is written) when the sink cannot check what it holds.
 */
function existingBlobCheck(sink: ImageSink, options: CopyImageOptions): ImageSink['checkBlob'] {
  if (options.verifyExisting !== true) return undefined;
  if (sink.checkBlob === undefined) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `verifyExisting needs a destination that can re-hash the blobs it holds (a bucket); ${sink.description} cannot`, {
      hint: 'leave verifyExisting out for this destination',
    });
  }
  return sink.checkBlob.bind(sink);
}

function progressOf(blob: Descriptor, options: CopyImageOptions): ((bytes: number) => void) | undefined {
  return options.onProgress && ((bytes: number) => options.onProgress?.({ digest: blob.digest, bytes, size: blob.size }));
}

async function streamBlob(source: ImageSource, sink: ImageSink, blob: Descriptor, options: CopyImageOptions): Promise<void> {
  const { signal } = options;
  const onProgress = progressOf(blob, options);
  const content = await source.openBlob(blob, { signal });
  if (sink.verifiesBlobs) {
    try {
      await sink.writeBlob(blob, content, { signal, onProgress });
    } finally {
      // A sink that failed before reading to the end leaves the source open.
      content.destroy();
    }
    return;
  }
  const verifier = createDigestVerifier({ digest: blob.digest, size: blob.size, onProgress });
  // pipeline carries a source failure into the verifier, and destroys the
  // source when the sink gives up on the verifier.
  pipeline(content, verifier, () => {});
  try {
    await sink.writeBlob(blob, verifier, { signal });
  } finally {
    verifier.destroy();
  }
}

/**
 * The blobs in the order to move them: largest first, so that the last
 * ones still moving while the others are done are the small ones (the copy
 * takes about max(largest blob, total / concurrency) instead of ending on a
 * big layer that started last).
 */
function largestFirst(blobs: readonly Descriptor[]): Descriptor[] {
  return [...blobs].sort((a, b) => b.size - a.size);
}

function allDigests(plan: CopyPlan): Digest[] {
  return [plan.top.digest, ...plan.children.map((c) => c.descriptor.digest), ...plan.blobs.map((b) => b.digest)];
}

/** The platform a single image's config names, if it is an image config that names one. */
async function platformOfConfig(source: ImageSource, config: Descriptor, signal: AbortSignal | undefined): Promise<Platform | undefined> {
  if (config.size > MAX_CONFIG_BYTES) return undefined;
  const stream = await source.openBlob(config, { signal });
  const verifier = createDigestVerifier({ digest: config.digest, size: config.size });
  pipeline(stream, verifier, () => {});
  const bytes = await readAllCapped(verifier as Readable, MAX_CONFIG_BYTES, `config ${config.digest}`);
  try {
    const parsed = parseImageConfig(bytes);
    return { os: parsed.os, architecture: parsed.architecture, ...(parsed.variant === undefined ? {} : { variant: parsed.variant }) };
  } catch {
    // Artifacts (Helm charts, SBOMs) have configs that are not image configs.
    return undefined;
  }
}

async function closeBoth(source: ImageSource, sink: ImageSink, committed: boolean): Promise<void> {
  const results = await Promise.allSettled([sink.close({ committed }), source.close()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  // A close failure after a successful commit is worth reporting; after a
  // failed copy the original error matters more and is already propagating.
  if (failed !== undefined && committed) throw failed.reason;
}
