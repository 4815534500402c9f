import { parseDigest, sha256Digest, type Digest } from '../../digest/digest.js';
import { digestOfStream } from '../../digest/digest-streams.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { parseManifestDocument } from '../../oci/parse-manifest.js';
import type { BucketImageReference } from '../../ref/bucket-image-reference.js';
import type { BucketLocation } from '../../ref/bucket-location.js';
import { parseBucketScope } from '../../ref/bucket-scope.js';
import { listAll } from '../../storage/list-all.js';
import { mapConcurrent } from '../../storage/map-concurrent.js';
import { BucketLayout, digestOfBlobKey, tagKey } from '../bucket-layout.js';
import type { BucketStore } from '../bucket-store.js';
import type { BlobProgress } from '../copy/copy-image.js';
import type { BucketOperationOptions } from '../open-bucket.js';
import { compareUtf8 } from './compare.js';
import { inContext, readManifestObject } from './manifest-graph.js';
import { listTagObjects, listTagsOfImage, type TagObject } from './tag-objects.js';
import { withStore } from './targets.js';
import { ClosureWalker, type TagBytes } from './verify-closure.js';
import { VerifyLedger, type BlobVerdict } from './verify-ledger.js';
import { DEFAULT_GC_GRACE_PERIOD_MS } from './gc.js';
import { findLeftovers } from './verify-leftovers.js';
import { deleteCorruptBlobs } from './verify-repair.js';
import type { VerifyRepair, VerifyResult, VerifyScope } from './verify-result.js';

/** How many blobs are hashed at once unless told otherwise. */
export const DEFAULT_VERIFY_CONCURRENCY = 4;
/** Tag objects read at once (small documents). */
const READ_CONCURRENCY = 16;

/** What {@link verify} takes: a bucket, a name filter or an image, as text or parsed. */
export type VerifyTarget = string | BucketLocation | BucketImageReference;

/** Reported once, after the manifests are read and before blobs are hashed. */
export interface VerifyStart {
  /** Tags in scope, read. */
  readonly tags: number;
  /** Blobs about to be hashed (child manifests, already read, not included). */
  readonly blobs: number;
  /** Their sizes, as listed or as their descriptors state. */
  readonly totalBytes: number;
}

/** One blob's verdict, reported as it is reached. */
export interface VerifiedBlob {
  readonly digest: Digest;
  readonly status: BlobVerdict['status'];
  /** Bytes stored (0 when missing). */
  readonly size: number;
}

/** Options of {@link verify}. */
export interface VerifyOptions extends BucketOperationOptions {
  /**
   * Delete every blob whose bytes do not hash to its key, so that the next
   * push of an image that needs it uploads it again (a push skips blobs
   * that are present with the right size). Each is hashed again right
   * before its delete, under a GC-run marker (`gc-runs.ts`), so a push that
   * rewrote it first keeps its bytes, and a push that finishes writing it
   * later waits for the marker before its tag and uploads it again. What
   * remains: a writer outside that handshake (the Go s3lo, an older s3lo)
   * rewriting the blob between the re-hash and the delete loses that write
   * until its next push. Blobs whose bytes are sound are never deleted.
   * See `result.repair`.
   * @default false
   */
  readonly repair?: boolean;
  /**
   * Blobs hashed at once. More helps on a store far away (each read waits
   * on the network); hashing itself is one core's work.
   * @default 4
   */
  readonly concurrency?: number;
  /** Called once before blobs are hashed. */
  readonly onStart?: (start: VerifyStart) => void;
  /** Called as a blob's bytes are hashed. */
  readonly onProgress?: (progress: BlobProgress) => void;
  /** Called once per blob hashed in the blob pass, with its verdict. */
  readonly onBlob?: (blob: VerifiedBlob) => void;
  /**
   * Pending uploads younger than this are a running push's, not leftovers
   * (as in `gc`).
   * @default 3_600_000 (1 hour)
   */
  readonly gracePeriodMs?: number;
  /** The time leases, markers and uploads are judged against; the current time by default. */
  readonly now?: Date;
}

/**
 * Re-hashes what a bucket stores and reports what is broken: a blob whose
 * bytes do not hash to its key, or whose size differs from what a
 * descriptor states; a blob a tag reaches that is missing; a manifest that
 * cannot be read or parsed; and for each, the tags it breaks. With `repair`
 * it deletes the corrupt blobs so the next push uploads them again.
 *
 * A push trusts a blob that is present with the right size, `--force`
 * included, and `gc` keeps a referenced one: a corrupt blob of the right
 * size is found by this and by nothing else (or by a pull that fails).
 *
 * Scope:
 * - `s3://b` (whole bucket): every tag, and every blob under
 *   `blobs/sha256/`, referenced or not (a corrupt unreferenced blob would
 *   be reused by the next push that needs it);
 * - `s3://b/team/` (or `s3://b/team`): the tags of `team` and `team/...`
 *   and the blobs they reach;
 * - `s3://b/team/app:v1`: that tag; `s3://b/team/app@sha256:...`: every tag
 *   of `team/app` whose manifest has that digest or whose index has a child
 *   with it (and any tag of it that cannot be parsed, which might).
 *
 * Manifests are read first (tags and, for indexes, their child manifests,
 * each child once, hashed against its key), then every blob in scope is
 * hashed once, streamed (never held in memory), `concurrency` at a time,
 * largest first. Nothing is written unless `repair` is set and something
 * is corrupt. A tag deleted while verify runs is skipped; a blob missing
 * when listed is looked up again before it is called missing.
 *
 * The result is plain JSON with every list sorted; see {@link VerifyResult}.
 * A whole-bucket verification also counts the leftovers of killed GC runs
 * and pushes (`result.leftovers`: markers, leases, pending uploads older
 * than `gracePeriodMs`), as `gc` would in a dry run; they break no image.
 *
 * @throws S3loError INVALID_ARGUMENT for bad options; NOT_FOUND for a tag
 *   (or digest) that is not there; INVALID_REFERENCE for bad text; the
 *   store's error when it cannot be listed or read (a broken image is a
 *   finding, never an error).
 *
 * @example
 * ```ts
 * import { image } from '@s3lo/core';
 * const report = await image.verify('s3://my-bucket', {
 *   signal,
 *   concurrency: 8,
 *   onProgress: ({ digest, bytes, size }) => console.error(digest, bytes, '/', size),
 * });
 * if (!report.sound) {
 *   for (const blob of report.corruptBlobs) console.error(`${blob.digest} (${blob.problem}) breaks ${blob.tags.join(', ')}`);
 *   for (const tag of report.danglingTags) console.error(`${tag.tag} lacks ${tag.missing.join(', ')}`);
 *   const repaired = await image.verify('s3://my-bucket', { signal, repair: true });
 *   console.error('push again:', repaired.repair?.brokenUntilPush.join(', '));
 * }
 * ```
 */
export async function verify(target: VerifyTarget, options: VerifyOptions = {}): Promise<VerifyResult> {
  const scope = toScope(target);
  const concurrency = options.concurrency ?? DEFAULT_VERIFY_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `concurrency must be a whole number of at least 1, got ${String(concurrency)}`);
  }
  const gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GC_GRACE_PERIOD_MS;
  if (!Number.isFinite(gracePeriodMs) || gracePeriodMs < 0) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `gracePeriodMs must be a number of milliseconds >= 0, got ${String(gracePeriodMs)}`);
  }
  const { signal } = options;
  return withStore(scope, options, async (store) => {
    // Before a repair stands its own GC-run marker, which is no leftover.
    const leftovers = isWholeBucket(scope) ? await findLeftovers(store, options.now ?? new Date(), gracePeriodMs, signal) : null;
    const ledger = new VerifyLedger();
    const walker = new ClosureWalker(store, ledger, signal);
    await readManifests(store, scope, walker, signal);
    await hashBlobs(store, ledger, isWholeBucket(scope), concurrency, options);

    const findings = ledger.findings();
    let repair: VerifyRepair | null = null;
    if (options.repair === true) {
      const corrupt = findings.corruptBlobs.filter((blob) => blob.problem === 'digest-mismatch').map((blob) => blob.digest);
      const done = await deleteCorruptBlobs(store, corrupt, signal);
      const gone = [...done.deleted, ...done.skipped.filter((s) => s.reason === 'gone').map((s) => s.digest)];
      const broken = new Set(gone.flatMap((digest) => [...ledger.tagsReaching(digest)]));
      repair = { ...done, brokenUntilPush: [...broken].sort(compareUtf8) };
    }
    const sound = findings.brokenTags.length === 0 && findings.corruptBlobs.length === 0 && findings.missingBlobs.length === 0 && findings.unreadableManifests.length === 0;
    return {
      reference: scope.toString(),
      scope: scopeKind(scope),
      sound,
      checked: { tags: ledger.tags.size, manifests: ledger.manifests, blobs: ledger.blobs, bytes: ledger.bytes },
      ...findings,
      repair,
      leftovers,
    };
  });
}

function toScope(target: VerifyTarget): BucketLocation | BucketImageReference {
  if (typeof target === 'string') return parseBucketScope(target);
  const kind = (target as { kind?: unknown } | null)?.kind;
  if (kind === 'bucket' || kind === 'bucket-image') return target as BucketLocation | BucketImageReference;
  throw new S3loError(
    ErrorCode.INVALID_ARGUMENT,
    'expected a bucket, a name filter or a bucket image (a string like s3://bucket/, s3://bucket/team/ or s3://bucket/app:v1, or a parsed reference)',
  );
}

function isWholeBucket(scope: BucketLocation | BucketImageReference): boolean {
  return scope.kind === 'bucket' && scope.prefix === '';
}

function scopeKind(scope: BucketLocation | BucketImageReference): VerifyScope {
  if (scope.kind === 'bucket-image') return 'image';
  return scope.prefix === '' ? 'bucket' : 'images';
}

/** Reads and walks every tag in scope. */
async function readManifests(store: BucketStore, scope: BucketLocation | BucketImageReference, walker: ClosureWalker, signal: AbortSignal | undefined): Promise<void> {
  if (scope.kind === 'bucket') {
    const tags = await listTagObjects(store.backend, scope, signal);
    await mapConcurrent(tags, READ_CONCURRENCY, signal, async (tag) => {
      const read = await readTagObject(store, tag, signal);
      if (read !== undefined) await walker.walkTag(nameOf(tag), tag.key, read);
    });
    return;
  }
  if (scope.digest === undefined) {
    const tag = scope.tag as string;
    const object = { key: tagKey(scope.image, tag), image: scope.image, tag };
    const read = await readTagObject(store, object, signal);
    if (read === undefined) {
      throw new S3loError(ErrorCode.NOT_FOUND, `image ${scope.image}:${tag} not found in ${store.describe()}`, { details: { image: scope.image, tag } });
    }
    await walker.walkTag(nameOf(object), object.key, read);
    return;
  }
  const wanted = parseDigest(scope.digest, `digest of ${scope.toString()}`);
  const tags = await listTagsOfImage(store.backend, scope.image, signal);
  const read = await mapConcurrent(tags, READ_CONCURRENCY, signal, async (tag) => ({ tag, bytes: await readTagObject(store, tag, signal) }));
  const selected = read.filter((r): r is { tag: TagObject; bytes: TagBytes } => r.bytes !== undefined && holds(r.bytes, wanted));
  if (selected.length === 0) {
    throw new S3loError(ErrorCode.NOT_FOUND, `no tag of ${scope.image} in ${store.describe()} has digest ${wanted}, nor an index with a child of that digest`, {
      details: { image: scope.image, digest: wanted },
    });
  }
  await mapConcurrent(selected, READ_CONCURRENCY, signal, ({ tag, bytes }) => walker.walkTag(nameOf(tag), tag.key, bytes));
}

/** The tag object's bytes; undefined when it was deleted since it was listed. */
async function readTagObject(store: BucketStore, tag: Pick<TagObject, 'key' | 'image' | 'tag'>, signal: AbortSignal | undefined): Promise<TagBytes | undefined> {
  try {
    return await readManifestObject(store, tag.key, signal);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
    if (!S3loError.isInstance(error, ErrorCode.TOO_LARGE)) throw inContext(error, `verify: tag ${nameOf(tag)} cannot be read`, { key: tag.key });
    // Still a tag (its digest is its identity): hash it, streamed, for the report.
    return { tooLarge: error, digest: (await digestOfStream(await store.backend.get(tag.key, { signal }))).digest };
  }
}

/** Whether the tag's bytes have the digest, or are an index with a child of it, or cannot be parsed (so might). */
function holds(bytes: TagBytes, wanted: Digest): boolean {
  if (!Buffer.isBuffer(bytes)) return true;
  if (sha256Digest(bytes) === wanted) return true;
  try {
    const document = parseManifestDocument(bytes);
    return document.kind === 'index' ? document.index.manifests.some((child) => child.digest === wanted) : false;
  } catch {
    return true;
  }
}

function nameOf(tag: Pick<TagObject, 'image' | 'tag'>): string {
  return `${tag.image}:${tag.tag}`;
}

/** Hashes every blob in scope that the manifest pass has not judged yet. */
async function hashBlobs(store: BucketStore, ledger: VerifyLedger, wholeBucket: boolean, concurrency: number, options: VerifyOptions): Promise<void> {
  const { signal } = options;
  const sizes = new Map<Digest, number>();
  if (wholeBucket) {
    for await (const object of listAll(store.backend, { prefix: BucketLayout.blobsPrefix, signal })) {
      const digest = digestOfBlobKey(object.key);
      if (digest !== undefined) sizes.set(digest, object.size);
    }
  }
  for (const [digest, declared] of ledger.references) if (!sizes.has(digest)) sizes.set(digest, Math.max(...declared.keys()));
  const pending = [...sizes.entries()]
    .filter(([digest]) => !ledger.verdicts.has(digest))
    .map(([digest, size]) => ({ digest, size }))
    .sort((a, b) => b.size - a.size || compareUtf8(a.digest, b.digest));
  options.onStart?.({ tags: ledger.tags.size, blobs: pending.length, totalBytes: pending.reduce((sum, blob) => sum + blob.size, 0) });

  const { onProgress } = options;
  await mapConcurrent(pending, concurrency, signal, async ({ digest, size }) => {
    let hashed;
    try {
      hashed = await store.hashBlob(digest, { signal, onProgress: onProgress && ((bytes: number) => onProgress({ digest, bytes, size })) });
    } catch (error) {
      throw inContext(error, `verify: blob ${digest} cannot be read`, { digest });
    }
    // Listed, then deleted (by a GC): nothing in scope needs it.
    if (hashed === undefined && !ledger.references.has(digest)) return;
    const verdict: BlobVerdict =
      hashed === undefined ? { status: 'missing' } : hashed.digest === digest ? { status: 'sound', size: hashed.size } : { status: 'corrupt', size: hashed.size, actual: hashed.digest };
    ledger.judge(digest, verdict);
    options.onBlob?.({ digest, status: verdict.status, size: hashed?.size ?? 0 });
  });
}
