import { ErrorCode, S3loError, oci, ref } from '@s3lo/core';
import type { OptionValues } from '../commands/command.js';
import { UsageError } from '../errors/usage-error.js';

/**
 * Readers of flag values and references. Each validates without I/O and
 * throws a UsageError, so a bad value stops the command before it starts.
 */

/** `--platform` values: repeated and/or comma-separated, each `os/arch[/variant]`, duplicates dropped. */
export function readPlatforms(values: OptionValues): string[] | undefined {
  const given = values.platform;
  if (given === undefined) return undefined;
  const list = (Array.isArray(given) ? given : [String(given)]).flatMap((v) => v.split(',')).map((v) => v.trim());
  const platforms: string[] = [];
  for (const text of list) {
    if (text === '') throw new UsageError('--platform has an empty entry', { hint: 'write --platform linux/amd64,linux/arm64' });
    try {
      platforms.push(oci.formatPlatform(oci.parsePlatform(text)));
    } catch (error) {
      throw asUsageError(error, `--platform ${JSON.stringify(text)} is not a platform`, 'write os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8');
    }
  }
  return [...new Set(platforms)];
}

const MAX_CONCURRENCY = 256;

/** `--concurrency`: a whole number from 1 to 256. */
export function readConcurrency(values: OptionValues): number | undefined {
  const text = values.concurrency;
  if (text === undefined) return undefined;
  const n = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new UsageError(`--concurrency ${JSON.stringify(text)} is not a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return n;
}

/** Any source or destination of push/pull/copy. */
export function readImageLocation(text: string, role: string, options: ref.ParseImageLocationOptions = {}): ref.ImageLocation {
  try {
    return ref.parseImageLocation(text, options);
  } catch (error) {
    throw asUsageError(error, `bad ${role} ${JSON.stringify(text)}`);
  }
}

/** A bucket image reference (`s3://bucket/app:v1`). */
export function readBucketImage(text: string, role: string): ref.BucketImageReference {
  try {
    return ref.parse(text);
  } catch (error) {
    throw asUsageError(error, `bad ${role} ${JSON.stringify(text)}`);
  }
}

/** A bucket-level reference (`s3://bucket`, `s3://bucket/team/`). */
export function readBucketLocation(text: string): ref.BucketLocation {
  try {
    return ref.parseBucketLocation(text);
  } catch (error) {
    throw asUsageError(error, `bad bucket ${JSON.stringify(text)}`);
  }
}

/** What verify takes: a bucket (`s3://bucket`), a name filter (`s3://bucket/team/`) or an image (`s3://bucket/app:v1`, `@sha256:...`). */
export function readBucketScope(text: string): ref.BucketLocation | ref.BucketImageReference {
  try {
    return ref.parseBucketScope(text);
  } catch (error) {
    throw asUsageError(error, `bad bucket or image ${JSON.stringify(text)}`);
  }
}

/**
 * Where the CLI writes or deletes, it wants the tag spelled out: the
 * library's `latest` default is fine for reading, but silently replacing
 * or deleting `latest` because a tag was forgotten is not.
 */
export function requireExplicitTag(location: ref.BucketImageReference, text: string, verb: string, allowDigest: boolean): void {
  if (location.digest !== undefined) {
    if (allowDigest) return;
    throw new UsageError(`${text} names a digest; ${verb} needs a tag`, { hint: `write ${location.scheme}://${location.bucket}/${location.image}:<tag>` });
  }
  if (!location.tagExplicit) {
    throw new UsageError(`${text} has no tag; ${verb} needs one`, {
      hint: `add one, e.g. ${text}:latest${allowDigest ? ' (or @sha256:<digest>)' : ''}`,
    });
  }
}

/** Reference and platform errors of the library become usage errors: the text on the command line is what is wrong. */
function asUsageError(error: unknown, fallback: string, fallbackHint?: string): unknown {
  if (S3loError.isInstance(error, ErrorCode.INVALID_REFERENCE) || S3loError.isInstance(error, ErrorCode.INVALID_PLATFORM) || S3loError.isInstance(error, ErrorCode.INVALID_DIGEST)) {
    return new UsageError(error.message || fallback, { hint: error.hint ?? fallbackHint, cause: error });
  }
  return error;
}
