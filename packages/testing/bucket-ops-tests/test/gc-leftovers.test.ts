// Leftovers of killed pushes and killed GC runs on a real local bucket:
// GC-run markers that must not block pushes silently (or for ever), leases
// that must not pin orphan blobs for a day, temporary files of interrupted
// writes. Clocks are injected: nothing here waits for time to pass.
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@s3lo/core';
import { GcRunLayout, copy, gc, readLeasedDigests, startGcRun, writeLease, type GcWaitEvent } from '@s3lo/core/image';
import { createBucket, layer, type TestBucket } from './support/bucket.js';
import { rejection } from './support/rejection.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
let bucket: TestBucket;
let source: TestBucket;
beforeEach(async () => {
  bucket = await createBucket();
  source = await createBucket();
  await source.push('app', 'v1', [layer(300), layer(40)]);
});
afterEach(async () => {
  await bucket.cleanup();
  await source.cleanup();
});

/** A clock that moves `step` ms each time it is read, from the current time. */
function steppingClock(step: number): () => Date {
  let now = Date.now();
  return () => {
    const current = new Date(now);
    now += step;
    return current;
  };
}

/** Writes a file straight into the bucket directory, as someone else (a killed process, an attacker) would, with an mtime `ageMs` ago. */
async function plant(key: string, content: string, ageMs = 0): Promise<void> {
  const path = join(bucket.dir, ...key.split('/'));
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
}

const pushEvents = (events: GcWaitEvent[]) => ({ onGcWait: (event: GcWaitEvent) => events.push(event) });

describe('GC-run markers seen by a push', () => {
  it('a planted year-9999 marker holds the push back only until the protocol cap, and is reported', async () => {
    await plant('gc-runs/planted.json', JSON.stringify({ kind: GcRunLayout.kind, version: 1, expires: '9999-12-31T23:59:59.000Z' }));
    const events: GcWaitEvent[] = [];
    const result = await copy(source.ref('app:v1'), bucket.ref('app:v1'), {
      registry: bucket.registry,
      ...pushEvents(events),
      // Thirty seconds pass with every look at the clock; the lease is renewed by the push itself before the wait.
      clock: steppingClock(MIN / 2),
      gcPollMs: 0,
    });
    expect(events.map((event) => event.type)).toEqual(['capped', 'waiting', 'waited']);
    const [capped, , waited] = events as [Extract<GcWaitEvent, { type: 'capped' }>, unknown, Extract<GcWaitEvent, { type: 'waited' }>];
    expect(capped.run).toMatchObject({ key: 'gc-runs/planted.json', capped: true, writtenExpires: new Date('9999-12-31T23:59:59.000Z') });
    const cap = capped.run.expires.getTime();
    expect(cap - capped.run.lastModified.getTime()).toBe(GcRunLayout.ttlMs + GcRunLayout.clockSkewMs);
    expect(waited.until.getTime()).toBeGreaterThanOrEqual(cap);
    expect(waited.until.getTime()).toBeLessThan(cap + 2 * MIN);
    expect((await bucket.store.readTag('app', 'v1')).digest).toBe(result.digest);
  });

  it('a garbage marker, or one of another kind, is reported and not obeyed', async () => {
    await plant('gc-runs/garbage.json', 'this is not a marker');
    await plant('gc-runs/other.json', JSON.stringify({ kind: 'someone-else', expires: '9999-01-01T00:00:00Z' }));
    const events: GcWaitEvent[] = [];
    await copy(source.ref('app:v1'), bucket.ref('app:v1'), { registry: bucket.registry, ...pushEvents(events), clock: steppingClock(MIN / 2), gcPollMs: 0 });
    expect(events.map((event) => [event.type, 'run' in event ? event.run.key : undefined])).toEqual([
      ['unreadable', 'gc-runs/garbage.json'],
      ['unreadable', 'gc-runs/other.json'],
    ]);
    expect(await bucket.store.readTag('app', 'v1')).toBeDefined();
  });

  it('a live run is waited for and reported with its key, start and expiry', async () => {
    const run = await startGcRun(bucket.store);
    const events: GcWaitEvent[] = [];
    await copy(source.ref('app:v1'), bucket.ref('app:v1'), {
      registry: bucket.registry,
      gcPollMs: 1,
      onGcWait: (event) => {
        events.push(event);
        if (event.type === 'waiting') void run.finish();
      },
    });
    expect(events.map((event) => event.type)).toEqual(['waiting', 'waited']);
    const waiting = events[0] as Extract<GcWaitEvent, { type: 'waiting' }>;
    expect(waiting.run).toMatchObject({ key: run.key, active: true, capped: false });
    expect(waiting.run.expires.getTime() - (waiting.run.started as Date).getTime()).toBe(GcRunLayout.ttlMs);
  });
});

describe('push leases: renewed while the push runs, short-lived after it dies', () => {
  it('a push whose lease lapsed writes no tag: LEASE_EXPIRED, lease released', async () => {
    let offset = 0;
    const error = await rejection(
      copy(source.ref('app:v1'), bucket.ref('app:v1'), {
        registry: bucket.registry,
        clock: () => new Date(Date.now() + offset),
        leaseRenewMs: 0,
        // The machine "sleeps" for 20 minutes while the blobs move: no renewal lands meanwhile.
        onBlob: () => void (offset = 20 * MIN),
      }),
    );
    expect(error.code).toBe(ErrorCode.LEASE_EXPIRED);
    expect((await bucket.keys()).filter((key) => !key.startsWith('blobs/'))).toEqual([]);
  });

  it("a killed push's lease protects its blobs for 15 minutes, not a day", async () => {
    const orphan = layer(77);
    await bucket.store.putBlob(orphan.digest, orphan.size, orphan.bytes);
    await bucket.age('blobs/', 2 * HOUR);
    // What a killed push leaves: its lease, never renewed again.
    const lease = await writeLease(bucket.store, [orphan.digest], { renewEveryMs: 0 });
    const soon = await gc(bucket.url, { registry: bucket.registry, now: new Date(Date.now() + 14 * MIN) });
    expect(soon).toMatchObject({ deleted: 0, leases: { active: 1, expired: 0, removed: 0 } });
    const later = await gc(bucket.url, { registry: bucket.registry, now: new Date(Date.now() + 16 * MIN) });
    expect(later).toMatchObject({ deleted: 1, deletedDigests: [orphan.digest], leases: { active: 0, expired: 1, removed: 1 } });
    expect(await bucket.keys()).toEqual([]);
    expect((await readLeasedDigests(bucket.store)).activeKeys).not.toContain(lease.key);
  });
});

describe('clean (gc) and leftovers', () => {
  it('removes expired GC markers and expired leases with a real run, and says so; a dry run only reports them', async () => {
    const old = new Date(Date.now() - HOUR);
    const stale = { kind: GcRunLayout.kind, version: 1, started: old.toISOString(), refreshed: old.toISOString(), expires: new Date(old.getTime() + 10 * MIN).toISOString() };
    await plant('gc-runs/killed.json', JSON.stringify(stale), HOUR);
    await plant('gc-runs/garbage-old.json', 'garbage', HOUR);
    await plant('gc-runs/garbage-new.json', 'garbage');
    await plant('gc-runs/planted.json', JSON.stringify({ kind: GcRunLayout.kind, version: 1, expires: '9999-01-01T00:00:00Z' }));
    const live = await startGcRun(bucket.store);
    const expiredLease = await writeLease(bucket.store, [layer().digest], { now: new Date(Date.now() - HOUR), renewEveryMs: 0 });
    const before = await bucket.keys();

    const dry = await gc(bucket.url, { registry: bucket.registry, dryRun: true });
    expect(dry.gcRuns).toEqual({ active: 2, expired: 2, capped: 1, unreadable: 2, removed: 0, expiredKeys: ['gc-runs/garbage-old.json', 'gc-runs/killed.json'] });
    expect(dry.leases).toEqual({ active: 0, expired: 1, removed: 0 });
    expect(await bucket.keys()).toEqual(before);

    const real = await gc(bucket.url, { registry: bucket.registry });
    expect(real.gcRuns).toEqual({ ...dry.gcRuns, removed: 2 });
    expect(real.leases).toEqual({ active: 0, expired: 1, removed: 1 });
    expect(await bucket.keys()).toEqual(['gc-runs/garbage-new.json', live.key, 'gc-runs/planted.json'].sort());
    expect(await bucket.keys()).not.toContain(expiredLease.key);
    await live.finish();
  });

  it('finds temporary files of interrupted writes; a real run removes those older than the grace period that no live push leases', async () => {
    const leased = layer(5);
    const temp = (hex: string, name: string) => `blobs/sha256/.${name}.s3lo-tmp-${hex.repeat(16)}`;
    const abandoned = temp('a', 'f'.repeat(64));
    const young = temp('b', 'e'.repeat(64));
    const owned = temp('c', leased.digest.slice(7));
    await plant(abandoned, 'half a layer', 2 * HOUR);
    await plant(young, 'a layer being written');
    await plant(owned, 'a long upload of a running push', 2 * HOUR);
    const lease = await writeLease(bucket.store, [leased.digest], { renewEveryMs: 0 });

    const dry = await gc(bucket.url, { registry: bucket.registry, dryRun: true });
    expect(dry.uploads).toMatchObject({ checked: true, found: 3, kept: 2, stale: 1, aborted: 0 });
    expect(dry.uploads.staleUploads).toEqual([{ key: `blobs/sha256/${'f'.repeat(64)}`, id: abandoned, initiated: expect.any(String) }]);
    expect(await bucket.keys()).toContain(abandoned);

    const real = await gc(bucket.url, { registry: bucket.registry });
    expect(real.uploads).toMatchObject({ checked: true, found: 3, kept: 2, stale: 1, aborted: 1 });
    const keys = await bucket.keys();
    expect(keys).not.toContain(abandoned);
    expect(keys).toEqual(expect.arrayContaining([young, owned]));
    await lease.release();
  });
});
