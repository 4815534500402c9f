import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfAborted } from '../errors/abort.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { CallOptions } from '../storage/backend.js';
import { readAllCapped } from '../storage/body.js';
import { listAll } from '../storage/list-all.js';
import type { BucketStore } from './bucket-store.js';

/**
 * GC-run markers close the window push leases leave open (see `leases.ts`):
 * a delete batch already sent when a push's lease lands. They are a
 * handshake in which each side writes its own flag, then reads the other's:
 *
 * - GC writes `gc-runs/<id>.json` BEFORE it lists blobs or reads leases,
 *   keeps it fresh before each delete batch, and removes it only after its
 *   last delete has completed.
 * - A push writes its lease, moves its blobs, then, right before the tag
 *   write, lists `gc-runs/` and waits until no run is active. Then it
 *   re-checks its blobs and uploads again any that went missing.
 *
 * When the push's wait ends, every run that started before its lease was
 * written has finished, deletes included, so the re-check sees what they
 * did; every run whose marker came later read the lease (written before the
 * push looked) before deciding anything, and keeps the push's blobs. The
 * lease is held until the tag is written.
 *
 * A marker expires (10 minutes after its last refresh) so a crashed GC
 * cannot block pushes for ever; a live GC refreshes it before every batch.
 */
export const GcRunLayout = {
  prefix: 'gc-runs/',
  kind: 's3lo-gc-run',
  version: 1,
  ttlMs: 10 * 60 * 1000,
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

/** Writes the marker of a GC run that is about to delete (see {@link GcRunLayout}). */
export async function startGcRun(store: BucketStore, options: CallOptions = {}): Promise<GcRunMarker> {
  const key = `${GcRunLayout.prefix}${randomBytes(16).toString('hex')}.json`;
  const write = async (signal: AbortSignal | undefined): Promise<void> => {
    const now = Date.now();
    const body = Buffer.from(
      JSON.stringify({
        kind: GcRunLayout.kind,
        version: GcRunLayout.version,
        started: new Date(now).toISOString(),
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

/** Options of {@link waitForGcRuns}. */
export interface WaitForGcRunsOptions extends CallOptions {
  /** How often to look again while a run is active. @default 1000 */
  readonly pollMs?: number;
}

/**
 * Waits until no unexpired GC run is active in the bucket. Resolves to true
 * when it had to wait (a run was active: some blobs may have been deleted
 * meanwhile), false when none was.
 */
export async function waitForGcRuns(store: BucketStore, options: WaitForGcRunsOptions = {}): Promise<boolean> {
  const { signal } = options;
  let waited = false;
  while (await hasActiveRun(store, signal)) {
    waited = true;
    await sleep(options.pollMs ?? 1000, undefined, { signal }).catch(() => throwIfAborted(signal));
  }
  return waited;
}

async function hasActiveRun(store: BucketStore, signal: AbortSignal | undefined): Promise<boolean> {
  for await (const object of listAll(store.backend, { prefix: GcRunLayout.prefix, signal })) {
    let bytes: Buffer;
    try {
      bytes = await readAllCapped(await store.backend.get(object.key, { signal }), GcRunLayout.maxBytes, object.key);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) continue; // the run ended meanwhile
      throw error;
    }
    const expires = parseExpiry(bytes);
    // An unreadable marker counts as active until it is old: waiting is safe, guessing is not.
    const until = expires ?? object.lastModified.getTime() + GcRunLayout.ttlMs;
    if (until > Date.now()) return true;
  }
  return false;
}

function parseExpiry(bytes: Buffer): number | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as { kind?: unknown; expires?: unknown };
    if (value.kind !== GcRunLayout.kind || typeof value.expires !== 'string') return undefined;
    const time = Date.parse(value.expires);
    return Number.isNaN(time) ? undefined : time;
  } catch {
    return undefined;
  }
}
