import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { parsePlatform } from '../../oci/index.js';
import type { Platform } from '../../oci/types.js';
import { BucketImageReference } from '../../ref/bucket-image-reference.js';
import { parseImageLocation, type ImageLocation } from '../../ref/image-location.js';
import { copyImage, type CopyImageOptions, type CopyImageResult } from './copy-image.js';
import { openSink, openSource, type OpenLocationOptions } from './open-location.js';

/** Options of {@link push}, {@link pull} and {@link copy}. */
export interface CopyOptions extends OpenLocationOptions, Omit<CopyImageOptions, 'platforms'> {
  /**
   * Platforms to copy from a multi-platform image, as `os/arch[/variant]`
   * strings or parsed platforms: all when absent. A single-platform image
   * is copied only when its own platform (from its config) matches each
   * one; otherwise PLATFORM_NOT_FOUND, before anything is written.
   */
  readonly platform?: string | Platform | readonly (string | Platform)[];
}

/** The result of push, pull and copy. */
export interface CopyResult extends CopyImageResult {
  /** The destination, as a reference string. */
  readonly reference: string;
  /** The source, as a reference string. */
  readonly source: string;
}

/**
 * Copies an image from any location to any other: buckets, OCI layouts,
 * archives (with `@s3lo/transport-archive` registered), and whatever
 * transport plugins add. Blobs already at the destination are skipped; the
 * rest stream with digest verification, several at once; the destination's
 * tag is written last.
 *
 * @example
 * ```ts
 * import { image, registerBackend } from '@s3lo/core';
 * import local from '@s3lo/backend-local';
 * registerBackend(local);
 * const result = await image.copy('oci:./layout:v1', 'local://./store/app:v1', {
 *   signal: AbortSignal.timeout(60_000),
 *   onBlob: (digest, size, skipped) => console.error(digest, size, skipped ? 'exists' : 'copied'),
 * });
 * console.log(result.digest, result.blobsCopied, result.bytesCopied);
 * ```
 */
export async function copy(source: string | ImageLocation, destination: string | ImageLocation, options: CopyOptions = {}): Promise<CopyResult> {
  const from = typeof source === 'string' ? parseImageLocation(source) : source;
  const to = typeof destination === 'string' ? parseImageLocation(destination) : destination;
  return run(from, to, options);
}

/**
 * Pushes an image into a bucket: {@link copy} with a bucket destination.
 * A bare `name:tag` source means the local Docker engine (as with `docker push`).
 * A blob the bucket already has with the right size is skipped; with
 * `verifyExisting` it is re-hashed first and written again if corrupt
 * (`result.blobsRepaired`).
 *
 * @example
 * ```ts
 * const result = await image.push('oci-archive:./app.tar', 's3://my-bucket/app:v1', { platform: 'linux/amd64' });
 * const healed = await image.push('oci-archive:./app.tar', 's3://my-bucket/app:v1', {
 *   verifyExisting: true,
 *   onCorruptExisting: (digest) => console.error(`rewriting corrupt ${digest}`),
 * });
 * console.log(healed.blobsRepaired);
 * ```
 */
export async function push(source: string | ImageLocation, destination: string | BucketImageReference, options: CopyOptions = {}): Promise<CopyResult> {
  const from = typeof source === 'string' ? parseImageLocation(source, { bareNameIs: 'docker-daemon' }) : source;
  const to = typeof destination === 'string' ? BucketImageReference.parse(destination) : destination;
  return run(from, to, options);
}

/**
 * Pulls an image out of a bucket: {@link copy} with a bucket source.
 *
 * @example
 * ```ts
 * const result = await image.pull('s3://my-bucket/app:v1', 'oci:./layout:v1');
 * ```
 */
export async function pull(source: string | BucketImageReference, destination: string | ImageLocation, options: CopyOptions = {}): Promise<CopyResult> {
  const from = typeof source === 'string' ? BucketImageReference.parse(source) : source;
  const to = typeof destination === 'string' ? parseImageLocation(destination, { bareNameIs: 'docker-daemon' }) : destination;
  if (from.kind !== 'bucket-image') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `pull reads from a bucket; ${String(from)} is not a bucket reference`);
  }
  return run(from, to, options);
}

async function run(from: ImageLocation, to: ImageLocation, options: CopyOptions): Promise<CopyResult> {
  if (options.concurrency !== undefined && (!Number.isInteger(options.concurrency) || options.concurrency < 1)) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `concurrency must be a whole number of at least 1, got ${options.concurrency}`);
  }
  const platforms = normalisePlatforms(options.platform);
  const source = await openSource(from, options);
  let sink;
  try {
    sink = await openSink(to, options);
  } catch (error) {
    await source.close();
    throw error;
  }
  const result = await copyImage(source, sink, { ...options, platforms });
  return { ...result, reference: to.toString(), source: from.toString() };
}

function normalisePlatforms(platform: CopyOptions['platform']): Platform[] | undefined {
  if (platform === undefined) return undefined;
  const list = Array.isArray(platform) ? platform : [platform];
  return list.map((p: string | Platform) => (typeof p === 'string' ? parsePlatform(p) : p));
}
