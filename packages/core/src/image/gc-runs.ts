import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfAborted } from '../errors/abort.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { checkTimerMs } from '../time/timer-limit.js';
import type { CallOptions } from '../storage/backend.js';
import { readAllCapped } from '../storage/body.js';
import { listAll } from '../storage/list-all.js';
import type { BucketStore } from './bucket-store.js';
import { CLOCK_SKEW_MS, systemClock, type Clock } from './protocol-clock.js';

/**
 * GC-run markers close the window push leases leave open (see `leases.ts`):
 * a delete batch already sent when a push's lease lands. They are a
 * handshake in which each side writes its own flag, then reads the other's:
 *
 * - GC writes `gc-runs/<id>.json` BEFORE it lists blobs or reads leases,
 *   rewrites it before each delete batch, and removes it only after its
 *   last delete has completed.
 * - A push writes its lease, moves its blobs, then, right before the tag
 *   write, lists `gc-runs/` and waits until no run is active. Then it
 *   re-checks its blobs and uploads again any that went missing.
 *
 * When the push's wait ends, every run that started before its lease was
 * written has finished, deletes included, so the re-check sees what they
 * did; every run whose marker came later read the lease (written before the
 * push looked) before deciding anything, and keeps the push's blobs. The
 * lease is held, unbroken, until the tag is written.
 *
 * **Expiry, and why a marker cannot block pushes for long.** A marker is
 * active for {@link GcRunLayout.ttlMs} (10 minutes) after its last write: a
 * live GC rewrites it before every delete batch, so the protocol needs a
 * GC to finish a batch within 10 minutes of its rewrite, and lets a crashed
 * (killed) GC block pushes for at most that long. The expiry written in the
 * marker is obeyed only up to what the protocol allows: 10 minutes after
 * the marker's last write as the store dated it (`lastModified`, which the
 * writer cannot choose) plus {@link GcRunLayout.clockSkewMs}, and 10 minutes
 * after the write time written in it. A later expiry (a planted
 * `"expires": "9999-12-31T00:00:00Z"`) is cut to that and reported
 * (`capped`); a GC of this protocol never writes one, so cutting it takes
 * nothing from a live run.
 *
 * **Unreadable markers are reported and not obeyed.** Markers appear whole
 * (one PUT; every backend's writes are atomic), and every GC of this
 * protocol writes JSON with `kind` {@link GcRunLayout.kind}, a positive
 * integer `version`, and ISO dates. A marker that is not JSON, names another
 * kind, has no integer version, or (version 1) no valid `expires` was not
 * written by a GC of this protocol, so no delete of a running GC hides
 * behind it: obeying it would only block pushes for nothing.
 *
 * **Markers of a newer version are obeyed, up to the cap.** A newer s3lo's
 * GC may be deleting while it stands, and its pushes may rely on this
 * handshake: ignoring its marker could lose a blob. The rule for every
 * future version is therefore fixed here: keep `kind`, `version`, and
 * `expires`, `started` and `refreshed` with their meaning. This reader
 * obeys a newer marker until its written `expires`, and when that is
 * missing or unreadable, for the protocol's maximum (10 minutes after the
 * store's `lastModified`, plus the skew margin). Either way the wait is
 * bounded: a newer marker cannot block pushes longer than a version 1 one.
 *
 * Clocks: the store's (`lastModified`), the GC machine's (written dates)
 * and the push machine's (`now`) are assumed to agree within
 * {@link GcRunLayout.clockSkewMs}.
 *
 * A marker is JSON:
 * `{ "kind": "s3lo-gc-run", "version": 1, "started": ISO, "refreshed": ISO, "expires": ISO }`
 * (`started`: when the run began; `refreshed`: this write; `expires`:
 * `refreshed` + 10 minutes). Markers written before `refreshed` existed
 * carry the write time in `started`.
 */
export const GcRunLayout = {
  prefix: 'gc-runs/',
  kind: 's3lo-gc-run',
  version: 1,
  /** A marker is active this long after its last write. */
  ttlMs: 10 * 60 * 1000,
  /** How far the clocks of the store, a GC and a push may disagree. */
  clockSkewMs: CLOCK_SKEW_MS,
  maxBytes: 64 * 1024,
} as const;

/** A running GC's marker. */
export interface GcRunMarker {
  readonly key: string;
  /** Pushes the expiry forward; GC calls it before each delete batch. */
  refresh(options?: CallOptions): Promise<void>;
  /** Removes the marker; call only when no delete of this run is in flight. */
  finish(): Promise<void>;
}

/** What a marker under `gc-runs/` says, judged by the rules of {@link GcRunLayout}. */
export interface GcRunInfo {
  /** The marker's key, `gc-runs/<id>.json`. */
  readonly key: string;
  /** Pushes wait for it: a readable marker whose (capped) expiry is still ahead. */
  readonly active: boolean;
  /**
   * When pushes stop waiting: the written expiry, capped to what the
   * protocol allows. For an unreadable marker, the protocol's longest
   * expiry: after it, `gc` removes the marker.
   */
  readonly expires: Date;
  /** When the run began, as written; absent when missing or unreadable. */
  readonly started?: Date;
  /** The expiry as written, when it is a date. */
  readonly writtenExpires?: Date;
  /** True when the written expiry lay further ahead than the protocol allows and was cut to `expires`. */
  readonly capped: boolean;
  /** Why the marker is not obeyed (not JSON, another kind, ...); absent for a marker pushes obey. */
  readonly unreadable?: string;
  /** The protocol version written, when it is one. */
  readonly version?: number;
  /** The marker object's last write, by the store's clock. */
  readonly lastModified: Date;
}

/** Writes the marker of a GC run that is about to delete (see {@link GcRunLayout}). */
export async function startGcRun(store: BucketStore, options: CallOptions & { readonly clock?: Clock } = {}): Promise<GcRunMarker> {
  const clock = options.clock ?? systemClock;
  const key = `${GcRunLayout.prefix}${randomBytes(16).toString('hex')}.json`;
  const started = clock().toISOString();
  const write = async (signal: AbortSignal | undefined): Promise<void> => {
    const now = clock().getTime();
    const body = Buffer.from(
      JSON.stringify({
        kind: GcRunLayout.kind,
        version: GcRunLayout.version,
        started,
        refreshed: new Date(now).toISOString(),
        expires: new Date(now + GcRunLayout.ttlMs).toISOString(),
      }),
    );
    await store.backend.put(key, body, { size: body.length, signal, contentType: 'application/json' });
  };
  await write(options.signal);
  let finished = false;
  return {
    key,
    refresh: (refreshOptions = {}) => write(refreshOptions.signal),
    async finish() {
      if (finished) return;
      finished = true;
      // Not tied to the run's signal: an aborted GC must still take its marker down.
      const result = await store.backend.deleteMany([key]);
      if (result.failed[0] !== undefined) throw result.failed[0].error;
    },
  };
}

/** Options of {@link readGcRuns}. */
export interface ReadGcRunsOptions extends CallOptions {
  /** The time markers are judged at; the current time by default. */
  readonly now?: Date;
}

/**
 * Every marker under `gc-runs/`, judged at `now` (see {@link GcRunLayout}
 * for the rules): which ones pushes wait for, until when, and which ones
 * are capped or unreadable. A marker removed between the listing and its
 * read is left out (its run ended).
 *
 * @example
 * ```ts
 * const runs = await readGcRuns(store, { signal });
 * for (const run of runs.filter((r) => r.capped || r.unreadable !== undefined)) console.error(`suspicious GC marker ${run.key}`);
 * const stale = runs.filter((r) => !r.active && r.expires.getTime() <= Date.now());
 * ```
 */
export async function readGcRuns(store: BucketStore, options: ReadGcRunsOptions = {}): Promise<GcRunInfo[]> {
  const { signal } = options;
  const now = options.now ?? new Date();
  const runs: GcRunInfo[] = [];
  for await (const object of listAll(store.backend, { prefix: GcRunLayout.prefix, signal })) {
    let bytes: Buffer;
    try {
      bytes = await readAllCapped(await store.backend.get(object.key, { signal }), GcRunLayout.maxBytes, object.key);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) continue; // the run ended meanwhile
      if (S3loError.isInstance(error, ErrorCode.TOO_LARGE)) {
        runs.push(judgeGcRun(object.key, undefined, object.lastModified, now));
        continue;
      }
      throw error;
    }
    runs.push(judgeGcRun(object.key, bytes, object.lastModified, now));
  }
  return runs;
}

/**
 * Judges one marker by the rules of {@link GcRunLayout}: `bytes` undefined
 * means too large to read. Pure, so the rules are tested without a store.
 */
export function judgeGcRun(key: string, bytes: Buffer | undefined, lastModified: Date, now: Date): GcRunInfo {
  const limit = lastModified.getTime() + GcRunLayout.ttlMs + GcRunLayout.clockSkewMs;
  const unreadable = (why: string): GcRunInfo => ({ key, active: false, expires: new Date(limit), capped: false, unreadable: why, lastModified });
  if (bytes === undefined) return unreadable(`it is larger than ${GcRunLayout.maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return unreadable('it is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return unreadable('it is not a JSON object');
  const marker = value as Record<string, unknown>;
  if (marker['kind'] !== GcRunLayout.kind) return unreadable(`its "kind" is ${describe(marker['kind'])}, not "${GcRunLayout.kind}"`);
  const version = marker['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return unreadable(`its "version" is ${describe(version)}, not a positive integer`);
  const written = dateOf(marker['expires']);
  if (written === undefined && version <= GcRunLayout.version) return unreadable('its "expires" is not an ISO date');
  const started = dateOf(marker['started']);
  // The write time as the writer dated it: `refreshed`, or `started` in markers written before it existed.
  const lastWrite = dateOf(marker['refreshed']) ?? started;
  const allowed = lastWrite === undefined ? limit : Math.min(limit, lastWrite.getTime() + GcRunLayout.ttlMs);
  const capped = written !== undefined && written.getTime() > allowed;
  const expires = new Date(written === undefined ? allowed : Math.min(written.getTime(), allowed));
  return {
    key,
    active: now.getTime() < expires.getTime(),
    expires,
    ...(started === undefined ? {} : { started }),
    ...(written === undefined ? {} : { writtenExpires: written }),
    capped,
    version,
    lastModified,
  };
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** What {@link waitForGcRuns} reports through `onGcWait`. */
export type GcWaitEvent =
  /** The push started waiting for this run (once per marker). */
  | { readonly type: 'waiting'; readonly run: GcRunInfo }
  /** The push stopped waiting: no run is active any more. */
  | { readonly type: 'waited'; readonly keys: readonly string[]; readonly since: Date; readonly until: Date }
  /** A marker's written expiry lay beyond what the protocol allows; it is obeyed until `run.expires` only (once per marker). */
  | { readonly type: 'capped'; readonly run: GcRunInfo }
  /** A marker that no GC of this protocol wrote; it is not obeyed (once per marker). */
  | { readonly type: 'unreadable'; readonly run: GcRunInfo };

/** Options of {@link waitForGcRuns}. */
export interface WaitForGcRunsOptions extends CallOptions {
  /** How often to look again while a run is active. @default 1000 */
  readonly pollMs?: number;
  /** The clock markers are judged by (tests move it instead of waiting). @default the system clock */
  readonly clock?: Clock;
  /**
   * Told when the wait starts (per run), when it ends, and about markers
   * that are capped or not obeyed, so that a waiting push is never silent.
   */
  readonly onGcWait?: (event: GcWaitEvent) => void;
}

/**
 * Waits until no GC run is active in the bucket (see {@link GcRunLayout}).
 * Resolves to true when it had to wait (a run was active: some blobs may
 * have been deleted meanwhile), false when none was.
 *
 * @example
 * ```ts
 * await waitForGcRuns(store, {
 *   signal,
 *   onGcWait: (event) => {
 *     if (event.type === 'waiting') console.error(`waiting for GC run ${event.run.key} until ${event.run.expires.toISOString()}`);
 *   },
 * });
 * ```
 */
export async function waitForGcRuns(store: BucketStore, options: WaitForGcRunsOptions = {}): Promise<boolean> {
  const { signal, onGcWait } = options;
  const pollMs = checkTimerMs('pollMs', options.pollMs ?? 1000);
  const clock = options.clock ?? systemClock;
  const told = new Set<string>();
  const waitedFor: string[] = [];
  let since: Date | undefined;
  for (;;) {
    const runs = await readGcRuns(store, { signal, now: clock() });
    for (const run of runs) {
      const type = run.unreadable !== undefined ? 'unreadable' : run.capped ? 'capped' : undefined;
      if (type === undefined || told.has(`${type} ${run.key}`)) continue;
      told.add(`${type} ${run.key}`);
      onGcWait?.({ type, run });
    }
    const active = runs.filter((run) => run.active);
    if (active.length === 0) break;
    since ??= clock();
    for (const run of active) {
      if (waitedFor.includes(run.key)) continue;
      waitedFor.push(run.key);
      onGcWait?.({ type: 'waiting', run });
    }
    await sleep(pollMs, undefined, { signal }).catch(() => throwIfAborted(signal));
  }
  if (since === undefined) return false;
  onGcWait?.({ type: 'waited', keys: waitedFor, since, until: clock() });
  return true;
}
