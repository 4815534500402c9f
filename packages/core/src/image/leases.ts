import { randomBytes } from 'node:crypto';
import { parseDigest, type Digest } from '../digest/digest.js';
import { throwIfAborted } from '../errors/abort.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { checkTimerMs } from '../time/timer-limit.js';
import type { CallOptions } from '../storage/backend.js';
import { readAllCapped } from '../storage/body.js';
import { listAll } from '../storage/list-all.js';
import type { BucketStore } from './bucket-store.js';
import { mapConcurrent } from '../storage/map-concurrent.js';
import { CLOCK_SKEW_MS, systemClock, type Clock } from './protocol-clock.js';

/**
 * Push leases: how GC stays safe while pushes run (the bucket format lets GC
 * "otherwise protect blobs of in-flight pushes"; distribution's GC needs the
 * registry stopped, ours does not). The protocol, in six lines:
 *
 * 1. A push writes a lease naming every digest its tag will reach (child manifests, configs, layers) BEFORE it checks which blobs exist, and releases it after the tag is written (or the push failed).
 * 2. GC lists `blobs/sha256/` FIRST (only blobs in that listing can be deleted), then reads the leases and the tags; leased digests count as roots.
 * 3. Right before each delete batch GC re-reads the leases, re-lists the tags (reading new or changed ones), and drops every digest now leased or referenced.
 * 4. {@link BucketStore.writeTag} re-checks every blob right before the tag PUT, so a blob GC deleted before that check fails the push instead of producing a broken tag.
 * 5. The window left between GC's last re-read and a delete batch it already sent is closed by GC-run markers (`gc-runs.ts`): a push that finds a GC running when it is about to write its tag waits for the run to end, then uploads again what it deleted.
 * 6. A lease is short-lived and renewed while the push runs (a heartbeat): written with {@link LeaseLayout.defaultTtlMs} (15 minutes) to live, rewritten under the same key every {@link LeaseLayout.defaultRenewMs} (5 minutes). A push that is killed stops renewing, so its lease stops protecting its (orphan) blobs 15 minutes later instead of a day; a push running for hours stays protected as long as it runs.
 *
 * Why the heartbeat keeps the argument of lines 1-5 whole: that argument
 * needs the lease to be visible to GC, unexpired, from its first write
 * until the tag is written. A renewal rewrites the same key with the same
 * digests and a later expiry, so a GC reading at any moment reads either
 * the previous or the new write, both unexpired as long as each write
 * lands before the previous one expires. The push checks exactly that:
 * a write must complete before the previous write's expiry minus the
 * clock-skew margin (`protocol-clock.ts`), and the tag is written only
 * while the last write has that margin left ({@link PushLease.assertHeld}).
 * When renewals fail for too long (the store unreachable, the machine
 * asleep), the lease has lapsed: a GC may have ignored it, deleted its
 * blobs, and removed it as expired, so the push fails with LEASE_EXPIRED
 * and writes no tag (running it again is safe). A lapse is never repaired
 * by a later renewal, because a GC that saw it expired may already have
 * acted on that. Renewals never overlap (an older write landing last would
 * shorten the lease), and a release waits for the renewal in flight, so a
 * released lease is not written again.
 *
 * Leases live at `leases/<random id>.json`, a prefix the Go s3lo ignores (its
 * pushes write no leases; they are protected only by GC's grace period, since
 * it refreshes whole blobs it reuses). A lease is JSON:
 * `{ "kind": "s3lo-push-lease", "version": 1, "created": ISO, "expires": ISO, "digests": [...] }`.
 * A lease protects exactly the digests it lists, until it is released or expires.
 */
export const LeaseLayout = {
  prefix: 'leases/',
  kind: 's3lo-push-lease',
  version: 1,
  /** Default lifetime of a lease after each (re)write: how long a killed push's lease keeps protecting its blobs. */
  defaultTtlMs: 15 * 60 * 1000,
  /** Default interval between renewals of a held lease: a third of its lifetime, so two renewals in a row may fail. */
  defaultRenewMs: 5 * 60 * 1000,
  /** Largest lease accepted when reading (about 50 000 digests). */
  maxBytes: 4 * 1024 * 1024,
} as const;

const READ_CONCURRENCY = 16;

/** Options of {@link writeLease}. */
export interface WriteLeaseOptions extends CallOptions {
  /**
   * How long each write of the lease protects its digests. GC ignores (and,
   * when not a dry run, deletes) expired leases, so a crashed push does not
   * pin blobs for long.
   * @default 900_000 (15 minutes)
   */
  readonly ttlMs?: number;
  /**
   * Renew the lease this often until it is released (a heartbeat); 0 never
   * renews it, so it expires `ttlMs` after it was written. Less than
   * `ttlMs` minus the clock-skew margin (1 minute) to be of use; a third of
   * `ttlMs` lets two renewals in a row fail.
   * @default ttlMs / 3
   */
  readonly renewEveryMs?: number;
  /** The creation time written into the lease; the clock's time by default. */
  readonly now?: Date;
  /** The clock renewals and {@link PushLease.assertHeld} go by (tests move it instead of waiting). @default the system clock */
  readonly clock?: Clock;
}

/** A lease written by {@link writeLease}. */
export interface PushLease {
  /** The lease object's key, `leases/<random id>.json`. */
  readonly key: string;
  /** When GC stops honouring the lease, as of its last completed write. */
  readonly expires: Date;
  /**
   * Rewrites the lease now with a fresh expiry (the heartbeat does this on
   * its own). Throws the store's error; throws LEASE_EXPIRED when the write
   * completed after the previous one had lapsed.
   */
  renew(options?: CallOptions): Promise<void>;
  /**
   * Throws LEASE_EXPIRED unless the lease has been held without a gap since
   * it was first written and its last write still has the clock-skew margin
   * left: call it right before the write it protects (the tag).
   */
  assertHeld(): void;
  /** Stops the renewals and deletes the lease. Calling it again does nothing. */
  release(): Promise<void>;
}

/** Options of {@link readLeasedDigests}. */
export interface ReadLeasesOptions extends CallOptions {
  /** Leases expiring at or before this time are expired; the current time by default. */
  readonly now?: Date;
}

/** What {@link readLeasedDigests} found. */
export interface LeasedDigests {
  /** Every digest named by an unexpired lease. */
  readonly digests: Set<Digest>;
  /** Keys of the unexpired leases. */
  readonly activeKeys: string[];
  /** Keys of expired leases: ignored, and safe to delete. */
  readonly expiredKeys: string[];
}

/**
 * Writes a push lease protecting `digests` from GC until it is released,
 * and renews it every `renewEveryMs` meanwhile (see the protocol at
 * {@link LeaseLayout}). Call it before checking which blobs the bucket
 * already has, with every digest the tag will reach, and release it in a
 * `finally`.
 *
 * @throws S3loError INVALID_DIGEST for a malformed digest, INVALID_ARGUMENT
 *   for a bad `ttlMs` or `renewEveryMs`; the backend's error when the write fails.
 *
 * @example
 * ```ts
 * const lease = await writeLease(store, [indexChildDigest, configDigest, ...layerDigests], { signal });
 * try {
 *   // upload the blobs the bucket lacks, then:
 *   lease.assertHeld();
 *   await store.writeTag('team/app', 'v1', manifestBytes, { signal });
 * } finally {
 *   await lease.release();
 * }
 * ```
 */
export async function writeLease(store: BucketStore, digests: readonly Digest[], options: WriteLeaseOptions = {}): Promise<PushLease> {
  // Both are bounded by what a timer holds: a longer renewal interval would
  // fire at once, and a lease that outlives 24 days protects nothing better.
  const ttlMs = checkTimerMs("a lease's ttlMs", options.ttlMs ?? LeaseLayout.defaultTtlMs, 1);
  const renewEveryMs = checkTimerMs("a lease's renewEveryMs", options.renewEveryMs ?? ttlMs / 3);
  const unique = [...new Set(digests.map((digest) => parseDigest(digest, 'leased digest')))].sort();
  const clock = options.clock ?? systemClock;
  const created = options.now ?? clock();
  const key = `${LeaseLayout.prefix}${randomBytes(16).toString('hex')}.json`;
  const lease = new HeldLease(store, key, { created, ttlMs, renewEveryMs, clock, digests: unique });
  throwIfAborted(options.signal);
  await lease.firstWrite(options.signal);
  return lease;
}

/** A written lease, its heartbeat and its continuity (see {@link LeaseLayout}, line 6). */
class HeldLease implements PushLease {
  readonly key: string;
  readonly #store: BucketStore;
  readonly #created: Date;
  readonly #ttlMs: number;
  readonly #renewEveryMs: number;
  readonly #clock: Clock;
  readonly #digests: readonly Digest[];
  /** The expiry of the last completed write. */
  #expires = new Date(0);
  /** Why the lease lapsed, once it has. */
  #lapse: { at: Date; cause?: unknown } | undefined;
  /** The last renewal failure, for the lapse message. */
  #lastFailure: unknown;
  /** The write in flight (writes never overlap). */
  #queue: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  /** Set when a release begins: no renewal is started after it. */
  #stopped = false;
  #released = false;

  constructor(store: BucketStore, key: string, settings: { created: Date; ttlMs: number; renewEveryMs: number; clock: Clock; digests: readonly Digest[] }) {
    this.#store = store;
    this.key = key;
    this.#created = settings.created;
    this.#ttlMs = settings.ttlMs;
    this.#renewEveryMs = settings.renewEveryMs;
    this.#clock = settings.clock;
    this.#digests = settings.digests;
  }

  get expires(): Date {
    return this.#expires;
  }

  async firstWrite(signal: AbortSignal | undefined): Promise<void> {
    // The first write's expiry counts from the creation time written in it.
    await this.#write(signal, this.#created);
    this.#schedule();
  }

  renew(options: CallOptions = {}): Promise<void> {
    if (this.#stopped) return Promise.reject(new S3loError(ErrorCode.INVALID_ARGUMENT, `the push lease ${this.key} was released; it cannot be renewed`));
    return this.#enqueue(() => this.#write(options.signal));
  }

  assertHeld(): void {
    const now = this.#clock();
    if (this.#lapse === undefined && now.getTime() > this.#heldUntil()) this.#lapse = { at: new Date(this.#heldUntil()), cause: this.#lastFailure };
    if (this.#lapse !== undefined) throw this.#lapsedError();
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    // A renewal landing after the delete would put the lease back for a whole lifetime.
    await this.#queue.catch(() => undefined);
    // Not the push's signal: a cancelled push must still give its lease back.
    const result = await this.#store.backend.deleteMany([this.key]);
    const failure = result.failed[0];
    if (failure !== undefined) throw failure.error;
    this.#released = true;
  }

  /** The last moment the lease counts as held: the last write's expiry minus the clock-skew margin. */
  #heldUntil(): number {
    return this.#expires.getTime() - CLOCK_SKEW_MS;
  }

  async #write(signal: AbortSignal | undefined, from: Date = this.#clock()): Promise<void> {
    const expires = new Date(from.getTime() + this.#ttlMs);
    const body = Buffer.from(
      `${JSON.stringify({ kind: LeaseLayout.kind, version: LeaseLayout.version, created: this.#created.toISOString(), expires: expires.toISOString(), digests: this.#digests })}\n`,
    );
    await this.#store.backend.put(this.key, body, { size: body.length, signal, contentType: 'application/json' });
    // The previous write protected the digests until it expired: landing later leaves a gap a GC may have used.
    const landed = this.#clock();
    const first = this.#expires.getTime() === 0;
    if (!first && this.#lapse === undefined && landed.getTime() > this.#heldUntil()) this.#lapse = { at: new Date(this.#heldUntil()), cause: this.#lastFailure };
    this.#expires = expires;
    this.#lastFailure = undefined;
    if (this.#lapse !== undefined) throw this.#lapsedError();
  }

  #enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.#queue.catch(() => undefined).then(write);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #schedule(): void {
    if (this.#renewEveryMs === 0 || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      this.#enqueue(() => this.#write(undefined))
        .catch((error: unknown) => {
          // The next beat tries again; assertHeld reports a lapse.
          this.#lastFailure = error;
        })
        .finally(() => this.#schedule());
    }, this.#renewEveryMs);
    // A heartbeat never keeps the process alive on its own.
    this.#timer.unref();
  }

  #lapsedError(): S3loError {
    const lapse = this.#lapse as { at: Date; cause?: unknown };
    const cause = lapse.cause;
    const why = S3loError.isInstance(cause) || cause instanceof Error ? ` (the last renewal failed: ${cause.message})` : '';
    return new S3loError(
      ErrorCode.LEASE_EXPIRED,
      `the push lease ${this.key} lapsed at ${lapse.at.toISOString()}${why}: a garbage collection may have deleted blobs this push relies on, so no tag was written`,
      { cause, details: { key: this.key, lapsedAt: lapse.at.toISOString() }, hint: 'run the push again (blobs still in the bucket are skipped)' },
    );
  }
}

/**
 * Reads every lease in the bucket: the digests the unexpired ones protect,
 * and the keys of the expired ones. Fails closed: a lease that cannot be read
 * or parsed throws (GC then deletes nothing), since the digests it protects
 * cannot be known. A lease deleted between listing and reading was released
 * and is skipped.
 *
 * @throws S3loError INVALID_MANIFEST for an unreadable lease (its key in
 *   `details.key`); the backend's error when listing or reading fails.
 *
 * @example
 * ```ts
 * const { digests, expiredKeys } = await readLeasedDigests(store, { signal, now: new Date() });
 * const deletable = unreferenced.filter((digest) => !digests.has(digest));
 * ```
 */
export async function readLeasedDigests(store: BucketStore, options: ReadLeasesOptions = {}): Promise<LeasedDigests> {
  const now = (options.now ?? new Date()).getTime();
  const keys: string[] = [];
  for await (const object of listAll(store.backend, { prefix: LeaseLayout.prefix, signal: options.signal })) keys.push(object.key);
  const digests = new Set<Digest>();
  const activeKeys: string[] = [];
  const expiredKeys: string[] = [];
  const leases = await mapConcurrent(keys, READ_CONCURRENCY, options.signal, (key) => readLease(store, key, options.signal));
  for (const [i, key] of keys.entries()) {
    const lease = leases[i];
    if (lease === undefined) continue;
    if (lease.expires <= now) {
      expiredKeys.push(key);
      continue;
    }
    activeKeys.push(key);
    for (const digest of lease.digests) digests.add(digest);
  }
  return { digests, activeKeys, expiredKeys };
}

async function readLease(store: BucketStore, key: string, signal: AbortSignal | undefined): Promise<{ expires: number; digests: Digest[] } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readAllCapped(await store.backend.get(key, { signal }), LeaseLayout.maxBytes, `lease ${key}`);
  } catch (error) {
    if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) return undefined;
    if (S3loError.isInstance(error, ErrorCode.TOO_LARGE)) throw unreadable(key, 'it is too large', error);
    // Network, permission, abort: the caller fails with the store's own error.
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw unreadable(key, 'it is not JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unreadable(key, 'it is not a JSON object');
  const lease = value as Record<string, unknown>;
  if (lease['kind'] !== LeaseLayout.kind) throw unreadable(key, `its "kind" is ${JSON.stringify(lease['kind'])}, not "${LeaseLayout.kind}"`);
  if (lease['version'] !== LeaseLayout.version) {
    throw unreadable(key, `it is version ${JSON.stringify(lease['version'])}; this s3lo reads version ${LeaseLayout.version} (a newer s3lo wrote it?)`);
  }
  const expires = typeof lease['expires'] === 'string' ? Date.parse(lease['expires']) : Number.NaN;
  if (Number.isNaN(expires)) throw unreadable(key, 'its "expires" is not an ISO date');
  const listed = lease['digests'];
  if (!Array.isArray(listed)) throw unreadable(key, 'its "digests" is not an array');
  let digests: Digest[];
  try {
    digests = listed.map((digest) => parseDigest(digest, 'leased digest'));
  } catch (error) {
    throw unreadable(key, 'it lists a malformed digest', error);
  }
  return { expires, digests };
}

function unreadable(key: string, problem: string, cause?: unknown): S3loError {
  const why = S3loError.isInstance(cause) || cause instanceof Error ? `: ${cause.message}` : '';
  return new S3loError(ErrorCode.INVALID_MANIFEST, `push lease ${key} is unusable: ${problem}${why}`, {
    cause,
    details: { key },
    hint: `GC cannot know what the lease protects, so it deletes nothing; if no push is running, delete ${key}`,
  });
}
