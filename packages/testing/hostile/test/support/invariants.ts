/**
 * What must hold of a bucket whatever happened to the writers: checked from
 * the raw objects (node:fs or the plain AWS SDK), re-hashing every byte, not
 * through s3lo's own readers.
 *
 * - Every object under `blobs/sha256/` is named by a digest and hashes to it
 *   (no truncated or corrupt blob under a content address).
 * - Every tag (`manifests/.../manifest.json`) parses, and everything it
 *   reaches (config, layers; for an index each child manifest and its
 *   config and layers) is stored, hash-correct, with the size the
 *   descriptor says (no tag pointing at a missing blob).
 */
import { createHash } from 'node:crypto';
import { blobKeyOf, type Bucket } from './stores.js';

const BLOB_PREFIX = 'blobs/sha256/';
const HEX = /^[0-9a-f]{64}$/;

interface Descriptor {
  readonly digest: string;
  readonly size: number;
  readonly mediaType?: string;
}

/** A tag found in the bucket. */
export interface FoundTag {
  readonly key: string;
  /** sha256 of the stored bytes: the image digest. */
  readonly digest: string;
}

/** The state of a bucket and what is wrong with it. */
export interface BucketCheck {
  readonly tags: readonly FoundTag[];
  /** Digests of the blobs stored, each checked. */
  readonly blobs: ReadonlySet<string>;
  /** Violations of the invariants above; empty when the bucket is sound. */
  readonly problems: readonly string[];
  /** Keys that are neither blobs nor tags (leases, GC-run markers, ...). */
  readonly other: readonly string[];
}

export const sha256Of = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Checks every blob and every tag of the bucket (see the module comment). */
export async function checkBucket(bucket: Bucket): Promise<BucketCheck> {
  const keys = await bucket.keys();
  const problems: string[] = [];
  const blobs = new Map<string, number>();
  const tagKeys: string[] = [];
  const other: string[] = [];
  for (const key of keys) {
    if (key.startsWith(BLOB_PREFIX)) {
      const hex = key.slice(BLOB_PREFIX.length);
      if (!HEX.test(hex)) {
        problems.push(`an object under blobs/sha256/ that is not named by a digest: ${key}`);
        continue;
      }
      const bytes = await bucket.read(key);
      const actual = sha256Of(bytes);
      if (actual !== `sha256:${hex}`) problems.push(`corrupt blob ${key}: ${bytes.length} bytes hashing to ${actual}`);
      else blobs.set(`sha256:${hex}`, bytes.length);
    } else if (key.startsWith('manifests/') && key.endsWith('/manifest.json')) {
      tagKeys.push(key);
    } else {
      other.push(key);
    }
  }
  const tags: FoundTag[] = [];
  for (const key of tagKeys) {
    const bytes = await bucket.read(key);
    tags.push({ key, digest: sha256Of(bytes) });
    try {
      for (const problem of await closureProblems(bucket, bytes, blobs)) problems.push(`tag ${key}: ${problem}`);
    } catch (error) {
      problems.push(`tag ${key}: ${(error as Error).message}`);
    }
  }
  return { tags, blobs: new Set(blobs.keys()), problems, other };
}

/** What is missing or wrong among the blobs a manifest or index reaches. */
async function closureProblems(bucket: Bucket, topBytes: Buffer, blobs: ReadonlyMap<string, number>): Promise<string[]> {
  const problems: string[] = [];
  const want = (d: Descriptor, what: string): boolean => {
    const size = blobs.get(d.digest);
    if (size === undefined) {
      problems.push(`missing ${what} ${d.digest}`);
      return false;
    }
    if (size !== d.size) {
      problems.push(`${what} ${d.digest} is ${size} bytes, the descriptor says ${d.size}`);
      return false;
    }
    return true;
  };
  const doc = parse(topBytes);
  if (Array.isArray(doc.manifests)) {
    for (const child of doc.manifests) {
      if (!want(child, 'child manifest')) continue;
      const childDoc = parse(await bucket.read(blobKeyOf(child.digest)));
      for (const d of contentsOf(childDoc)) want(d, 'config or layer of a child');
    }
  } else {
    for (const d of contentsOf(doc)) want(d, 'config or layer');
  }
  return problems;
}

interface Doc {
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

function parse(bytes: Buffer): Doc {
  try {
    return JSON.parse(bytes.toString('utf8')) as Doc;
  } catch {
    throw new Error(`does not parse as JSON (${bytes.length} bytes)`);
  }
}

function contentsOf(doc: Doc): Descriptor[] {
  return [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])];
}

/** Throws listing the problems, with `context` (the trial's step) first. */
export function expectSound(check: BucketCheck, context: string): void {
  if (check.problems.length > 0) throw new Error(`${context}: the bucket breaks its invariants:\n  ${check.problems.join('\n  ')}`);
}
