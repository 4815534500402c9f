import { ErrorCode, S3loError, image as images, type PluginRegistry } from '@s3lo/core';
import type { BackendOptions } from '@s3lo/core/storage';
import { parse } from 'yaml';
import { matchGoPath } from './glob.js';

/** The key of the bucket configuration the Go s3lo reads and writes. */
export const BUCKET_CONFIG_KEY = 's3lo.yaml';
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The part of the Go s3lo's `s3lo.yaml` the CLI honours: tag immutability. */
export interface BucketConfig {
  readonly defaultImmutable: boolean | undefined;
  /** Image name or Go `path.Match` pattern -> immutable, as written. */
  readonly images: ReadonlyMap<string, boolean | undefined>;
}

const EMPTY: BucketConfig = { defaultImmutable: undefined, images: new Map() };

/**
 * Reads `s3lo.yaml` of a bucket; an absent one is an empty configuration.
 * One that cannot be parsed fails closed (as in the Go s3lo): a tag the
 * owner meant to protect is not overwritten because of a typo.
 */
export async function readBucketConfig(
  target: { readonly scheme: string; readonly bucket: string },
  options: { readonly registry: PluginRegistry; readonly backendOptions: BackendOptions; readonly signal: AbortSignal },
): Promise<BucketConfig> {
  const store = await images.openBucket(target, options);
  let bytes: Buffer;
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of await store.backend.get(BUCKET_CONFIG_KEY, { signal: options.signal })) {
      total += (chunk as Buffer).length;
      if (total > MAX_CONFIG_BYTES) throw new S3loError(ErrorCode.TOO_LARGE, `${BUCKET_CONFIG_KEY} of ${store.describe()} is larger than 1 MiB`);
      chunks.push(chunk as Buffer);
    }
    bytes = Buffer.concat(chunks);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return EMPTY;
    throw error;
  } finally {
    await store.close();
  }
  return parseBucketConfig(bytes.toString('utf8'), store.describe());
}

/** Parses the immutability settings of an `s3lo.yaml` text. */
export function parseBucketConfig(text: string, where: string): BucketConfig {
  const invalid = (problem: string, cause?: unknown): S3loError =>
    new S3loError(ErrorCode.INVALID_ARGUMENT, `${BUCKET_CONFIG_KEY} of ${where} is not valid: ${problem}`, {
      cause,
      hint: `fix ${BUCKET_CONFIG_KEY}, or pass --force to ignore its immutability settings`,
    });
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw invalid((error as Error).message.split('\n')[0] ?? 'YAML syntax error', error);
  }
  if (value === null || value === undefined) return EMPTY;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('it is not a mapping');
  const root = value as Record<string, unknown>;
  const defaultImmutable = immutableOf(root['default'], 'default', invalid);
  const images = new Map<string, boolean | undefined>();
  const listed = root['images'];
  if (listed !== undefined && listed !== null) {
    if (typeof listed !== 'object' || Array.isArray(listed)) throw invalid('"images" is not a mapping');
    for (const [pattern, config] of Object.entries(listed)) images.set(pattern, immutableOf(config, `images.${pattern}`, invalid));
  }
  return { defaultImmutable, images };
}

function immutableOf(config: unknown, where: string, invalid: (problem: string) => S3loError): boolean | undefined {
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object' || Array.isArray(config)) throw invalid(`"${where}" is not a mapping`);
  const flag = (config as Record<string, unknown>)['immutable'];
  if (flag === undefined || flag === null) return undefined;
  if (typeof flag !== 'boolean') throw invalid(`"${where}.immutable" is not true or false`);
  return flag;
}

/**
 * Whether tags of `image` are immutable, by the Go s3lo's rule: the
 * default, overridden by the first matching image entry, exact names
 * before patterns and longer before shorter.
 */
export function isImmutable(config: BucketConfig, image: string): boolean {
  const patterns = [...config.images.keys()].sort((a, b) => {
    const wildA = /[*?]/.test(a);
    const wildB = /[*?]/.test(b);
    if (wildA !== wildB) return wildA ? 1 : -1;
    return b.length - a.length;
  });
  let immutable = config.defaultImmutable;
  for (const pattern of patterns) {
    if (!matchGoPath(pattern, image)) continue;
    const own = config.images.get(pattern);
    if (own !== undefined) immutable = own;
    break;
  }
  return immutable === true;
}
