import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { CallOptions, StorageBackend } from '../storage/backend.js';
import { readAllCapped } from '../storage/body.js';
import { matchGoPath } from './go-path-match.js';
import { parseYamlSubset, YamlSubsetError, type YamlMapping, type YamlNode } from './yaml-subset.js';

/** The key of the bucket configuration, the Go s3lo's `s3lo.yaml` at the bucket's root. */
export const BUCKET_CONFIG_KEY = 's3lo.yaml';
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Retention settings of an image (read and checked now; applied by a later `lifecycle`). */
export interface LifecycleConfig {
  /** Keep this many most recent tags. */
  readonly keepLast?: number;
  /** Delete tags older than this (`30d`, `720h`), as written. */
  readonly maxAge?: string;
  /** Tags never deleted by lifecycle. */
  readonly keepTags?: readonly string[];
}

/** The settings of one image (or of every image: the default). Absent fields are "not set". */
export interface ImageConfig {
  /** Existing tags are neither overwritten with another image nor deleted (unless forced). */
  readonly immutable?: boolean;
  readonly lifecycle?: LifecycleConfig;
}

/**
 * A bucket's configuration, as the Go s3lo defines `s3lo.yaml`:
 *
 * ```yaml
 * default:
 *   immutable: false
 * images:
 *   team/*:            # Go path.Match patterns; exact names win over patterns, longer over shorter
 *     immutable: true
 *     lifecycle: { keep_last: 10, max_age: 90d, keep_tags: [latest] }
 * ```
 *
 * Keys it does not know (the Go tool's `policies`, ...) are ignored, as
 * Go's yaml.v3 ignores them; a known key with a value of the wrong type is
 * an error.
 */
export interface BucketConfig {
  readonly default: ImageConfig;
  /** Image name or pattern -> its settings, as written. */
  readonly images: ReadonlyMap<string, ImageConfig>;
}

/** The configuration of a bucket without `s3lo.yaml`. */
export const EMPTY_BUCKET_CONFIG: BucketConfig = { default: {}, images: new Map() };

/**
 * Reads a bucket's `s3lo.yaml`; an absent one is {@link EMPTY_BUCKET_CONFIG}.
 * One that cannot be read or parsed fails closed (INVALID_CONFIG), as in the
 * Go s3lo: a tag the owner meant to protect is not overwritten because of a
 * typo.
 *
 * @param where how to name the bucket in messages (`s3://my-bucket`).
 * @throws S3loError INVALID_CONFIG; the store's own error when it fails
 *   otherwise than NOT_FOUND.
 *
 * @example
 * ```ts
 * const config = await readBucketConfig(store.backend, store.describe(), { signal });
 * if (effectiveImageConfig(config, 'team/app').immutable) console.log('team/app: tags are immutable');
 * ```
 */
export async function readBucketConfig(backend: StorageBackend, where: string, options: CallOptions = {}): Promise<BucketConfig> {
  let bytes: Buffer;
  try {
    bytes = await readAllCapped(await backend.get(BUCKET_CONFIG_KEY, { signal: options.signal }), MAX_CONFIG_BYTES, `${BUCKET_CONFIG_KEY} of ${where}`);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return EMPTY_BUCKET_CONFIG;
    if (S3loError.isInstance(error, ErrorCode.TOO_LARGE)) throw invalid(where, 'it is larger than 1 MiB', error);
    throw error;
  }
  return parseBucketConfig(bytes.toString('utf8'), where);
}

/**
 * Parses the text of an `s3lo.yaml` (the YAML subset of `yaml-subset.ts`).
 *
 * @throws S3loError INVALID_CONFIG naming the line and what is wrong.
 *
 * @example
 * ```ts
 * const config = parseBucketConfig('images:\n  team/*:\n    immutable: true\n', 's3://my-bucket');
 * effectiveImageConfig(config, 'team/app').immutable; // true
 * ```
 */
export function parseBucketConfig(text: string, where: string): BucketConfig {
  let document: YamlNode;
  try {
    document = parseYamlSubset(text);
  } catch (error) {
    if (error instanceof YamlSubsetError) throw invalid(where, error.message, error);
    throw error;
  }
  if (document.kind === 'null') return EMPTY_BUCKET_CONFIG;
  const root = mapping(document, 'the document', where);
  const images = new Map<string, ImageConfig>();
  const listed = root.entries.get('images');
  if (listed !== undefined && listed.kind !== 'null') {
    for (const [pattern, node] of mapping(listed, '"images"', where).entries) images.set(pattern, imageConfig(node, `images.${pattern}`, where));
  }
  return { default: imageConfig(root.entries.get('default'), 'default', where), images };
}

/**
 * The settings that apply to `image`, by the Go s3lo's rule: the default,
 * overridden field by field by the first matching entry of `images`, exact
 * names before patterns and longer before shorter (lifecycle fields merge).
 *
 * @example
 * ```ts
 * effectiveImageConfig(config, 'team/app'); // { immutable: true, lifecycle: { keepLast: 10 } }
 * ```
 */
export function effectiveImageConfig(config: BucketConfig, image: string): ImageConfig {
  const patterns = [...config.images.keys()].sort((a, b) => {
    const wildA = /[*?]/.test(a);
    const wildB = /[*?]/.test(b);
    if (wildA !== wildB) return wildA ? 1 : -1;
    return b.length - a.length;
  });
  const match = patterns.find((pattern) => matchGoPath(pattern, image));
  const own = match === undefined ? undefined : config.images.get(match);
  if (own === undefined) return config.default;
  const lifecycle = own.lifecycle === undefined ? config.default.lifecycle : { ...config.default.lifecycle, ...own.lifecycle };
  return {
    ...config.default,
    ...(own.immutable === undefined ? {} : { immutable: own.immutable }),
    ...(lifecycle === undefined ? {} : { lifecycle }),
  };
}

function imageConfig(node: YamlNode | undefined, where: string, bucket: string): ImageConfig {
  if (node === undefined || node.kind === 'null') return {};
  const entries = mapping(node, `"${where}"`, bucket).entries;
  const immutable = entries.get('immutable');
  const lifecycle = entries.get('lifecycle');
  return {
    ...(immutable === undefined || immutable.kind === 'null' ? {} : { immutable: boolean(immutable, `${where}.immutable`, bucket) }),
    ...(lifecycle === undefined || lifecycle.kind === 'null' ? {} : { lifecycle: lifecycleConfig(lifecycle, `${where}.lifecycle`, bucket) }),
  };
}

function lifecycleConfig(node: YamlNode, where: string, bucket: string): LifecycleConfig {
  const entries = mapping(node, `"${where}"`, bucket).entries;
  const config: { keepLast?: number; maxAge?: string; keepTags?: string[] } = {};
  const keepLast = entries.get('keep_last');
  if (keepLast !== undefined && keepLast.kind !== 'null') {
    if (keepLast.kind !== 'scalar' || keepLast.quoted || !/^\+?[0-9]+$/.test(keepLast.value)) throw invalid(bucket, `line ${keepLast.line}: "${where}.keep_last" is not a whole number`);
    config.keepLast = Number(keepLast.value);
  }
  const maxAge = entries.get('max_age');
  if (maxAge !== undefined && maxAge.kind !== 'null') config.maxAge = string(maxAge, `${where}.max_age`, bucket);
  const keepTags = entries.get('keep_tags');
  if (keepTags !== undefined && keepTags.kind !== 'null') {
    if (keepTags.kind !== 'sequence') throw invalid(bucket, `line ${keepTags.line}: "${where}.keep_tags" is not a list`);
    config.keepTags = keepTags.items.map((item, i) => string(item, `${where}.keep_tags[${i}]`, bucket));
  }
  return config;
}

function mapping(node: YamlNode, what: string, bucket: string): YamlMapping {
  if (node.kind !== 'mapping') throw invalid(bucket, `line ${node.line}: ${what} is not a mapping`);
  return node;
}

// What Go's yaml.v3 decodes into a bool field: YAML 1.2's true/false, and
// YAML 1.1's yes/no/on/off (unquoted; a quoted value is a string there too).
const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF']);

function boolean(node: YamlNode, where: string, bucket: string): boolean {
  if (node.kind === 'scalar' && !node.quoted && TRUE.has(node.value)) return true;
  if (node.kind === 'scalar' && !node.quoted && FALSE.has(node.value)) return false;
  throw invalid(bucket, `line ${node.line}: "${where}" is not true or false`);
}

function string(node: YamlNode, where: string, bucket: string): string {
  if (node.kind !== 'scalar') throw invalid(bucket, `line ${node.line}: "${where}" is not a string`);
  return node.value;
}

function invalid(where: string, problem: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.INVALID_CONFIG, `${BUCKET_CONFIG_KEY} of ${where} is not valid: ${problem}`, {
    cause,
    details: { key: BUCKET_CONFIG_KEY },
    hint: `fix ${BUCKET_CONFIG_KEY}, or pass --force to ignore its immutability settings`,
  });
}
