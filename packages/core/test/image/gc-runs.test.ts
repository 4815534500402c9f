import { describe, expect, it } from 'vitest';
import { GcRunLayout, judgeGcRun, readGcRuns, startGcRun, waitForGcRuns, type GcWaitEvent } from '../../src/image/gc-runs.js';
import { memoryBucket } from '../operations/memory-backend.js';
import { ErrorCode } from '../../src/errors/index.js';
import { rejected } from '../support/thrown.js';

const MIN = 60_000;
const L = new Date('2030-01-01T12:00:00.000Z');
const at = (ms: number): Date => new Date(L.getTime() + ms);
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const marker = (fields: Record<string, unknown>): Buffer => json({ kind: GcRunLayout.kind, version: 1, ...fields });
/** The longest a marker last written at L may be obeyed: 10 minutes plus the 1-minute skew margin. */
const LIMIT = at(GcRunLayout.ttlMs + GcRunLayout.clockSkewMs);

describe('judgeGcRun: the rules of gc-runs.ts', () => {
  it('obeys a marker of this protocol until its written expiry', () => {
    const run = judgeGcRun('gc-runs/a.json', marker({ started: at(-30 * MIN).toISOString(), refreshed: L.toISOString(), expires: at(10 * MIN).toISOString() }), L, at(MIN));
    expect(run).toEqual({
      key: 'gc-runs/a.json',
      active: true,
      expires: at(10 * MIN),
      started: at(-30 * MIN),
      writtenExpires: at(10 * MIN),
      capped: false,
      version: 1,
      lastModified: L,
    });
    expect(judgeGcRun('gc-runs/a.json', marker({ refreshed: L.toISOString(), expires: at(10 * MIN).toISOString() }), L, at(10 * MIN)).active).toBe(false);
  });

  it('caps a written expiry beyond the protocol: year 9999 counts until 10 minutes after the last write', () => {
    const planted = judgeGcRun('gc-runs/x.json', marker({ expires: '9999-12-31T00:00:00.000Z' }), L, at(MIN));
    expect(planted).toMatchObject({ active: true, capped: true, expires: LIMIT, writtenExpires: new Date('9999-12-31T00:00:00.000Z') });
    expect(judgeGcRun('gc-runs/x.json', marker({ expires: '9999-12-31T00:00:00.000Z' }), L, LIMIT).active).toBe(false);
    // The written write time lowers the limit, never raises it.
    const withTimes = judgeGcRun('gc-runs/x.json', marker({ started: L.toISOString(), refreshed: L.toISOString(), expires: at(60 * MIN).toISOString() }), L, L);
    expect(withTimes).toMatchObject({ capped: true, expires: at(10 * MIN) });
    const futureWrite = judgeGcRun('gc-runs/x.json', marker({ refreshed: at(500 * MIN).toISOString(), expires: at(510 * MIN).toISOString() }), L, L);
    expect(futureWrite).toMatchObject({ capped: true, expires: LIMIT });
    // Markers written before "refreshed" existed carry the write time in "started".
    expect(judgeGcRun('gc-runs/x.json', marker({ started: L.toISOString(), expires: at(20 * MIN).toISOString() }), L, L)).toMatchObject({ capped: true, expires: at(10 * MIN) });
  });

  it('reports and does not obey what no GC of this protocol writes', () => {
    const cases: [string, Buffer | undefined, string][] = [
      ['not JSON', Buffer.from('{ "kind": "s3lo-gc-run", '), 'it is not JSON'],
      ['an array', json([1]), 'it is not a JSON object'],
      ['another kind', json({ kind: 'something', version: 1, expires: at(5 * MIN).toISOString() }), 'its "kind" is "something", not "s3lo-gc-run"'],
      ['no kind', json({ version: 1, expires: at(5 * MIN).toISOString() }), 'its "kind" is undefined, not "s3lo-gc-run"'],
      ['a text version', json({ kind: GcRunLayout.kind, version: '1', expires: at(5 * MIN).toISOString() }), 'its "version" is "1", not a positive integer'],
      ['version 0', json({ kind: GcRunLayout.kind, version: 0, expires: at(5 * MIN).toISOString() }), 'its "version" is 0, not a positive integer'],
      ['no expiry in version 1', marker({ started: L.toISOString() }), 'its "expires" is not an ISO date'],
      ['an expiry that is no date', marker({ expires: 'tomorrow' }), 'its "expires" is not an ISO date'],
      ['too large to read', undefined, `it is larger than ${GcRunLayout.maxBytes} bytes`],
    ];
    for (const [what, bytes, why] of cases) {
      const run = judgeGcRun('gc-runs/g.json', bytes, L, at(MIN));
      expect(run, what).toEqual({ key: 'gc-runs/g.json', active: false, expires: LIMIT, capped: false, unreadable: why, lastModified: L });
    }
  });

  it('obeys a marker of a newer version up to the cap, also without a readable expiry', () => {
    const v2 = (fields: Record<string, unknown>): Buffer => json({ kind: GcRunLayout.kind, version: 2, ...fields });
    expect(judgeGcRun('gc-runs/n.json', v2({ expires: at(4 * MIN).toISOString(), newField: true }), L, at(MIN))).toMatchObject({
      active: true,
      capped: false,
      expires: at(4 * MIN),
      version: 2,
    });
    expect(judgeGcRun('gc-runs/n.json', v2({}), L, at(MIN))).toMatchObject({ active: true, capped: false, expires: LIMIT, version: 2 });
    expect(judgeGcRun('gc-runs/n.json', v2({}), L, LIMIT).active).toBe(false);
    expect(judgeGcRun('gc-runs/n.json', v2({ expires: '9999-01-01T00:00:00Z' }), L, at(MIN))).toMatchObject({ active: true, capped: true, expires: LIMIT });
  });
});

describe('waitForGcRuns', () => {
  /** A clock that moves `step` ms every time it is read: the wait runs its course without waiting. */
  function steppingClock(start: Date, step: number) {
    let now = start.getTime();
    const clock = () => {
      const current = new Date(now);
      now += step;
      return current;
    };
    return { clock, peek: () => new Date(now) };
  }

  it('a planted year-9999 marker holds a push back only until the cap, and says so', async () => {
    const { backend, store } = memoryBucket();
    await backend.put('gc-runs/planted.json', marker({ expires: '9999-12-31T00:00:00.000Z' }));
    const written = backend.objects.get('gc-runs/planted.json')!.lastModified;
    const events: GcWaitEvent[] = [];
    const { clock } = steppingClock(written, MIN);
    expect(await waitForGcRuns(store, { clock, pollMs: 0, onGcWait: (event) => events.push(event) })).toBe(true);
    expect(events.map((event) => event.type)).toEqual(['capped', 'waiting', 'waited']);
    const [capped, waiting, waited] = events as [Extract<GcWaitEvent, { type: 'capped' }>, Extract<GcWaitEvent, { type: 'waiting' }>, Extract<GcWaitEvent, { type: 'waited' }>];
    const cap = written.getTime() + GcRunLayout.ttlMs + GcRunLayout.clockSkewMs;
    expect(capped.run).toMatchObject({ key: 'gc-runs/planted.json', capped: true, expires: new Date(cap) });
    expect(waiting.run.key).toBe('gc-runs/planted.json');
    expect(waited).toMatchObject({ keys: ['gc-runs/planted.json'] });
    expect(waited.until.getTime()).toBeGreaterThanOrEqual(cap);
    // Not a minute of waiting past the cap (the clock moves a minute a read).
    expect(waited.until.getTime()).toBeLessThanOrEqual(cap + 2 * MIN);
  });

  it('a garbage marker is reported once and not waited for', async () => {
    const { backend, store } = memoryBucket();
    await backend.put('gc-runs/garbage.json', Buffer.from('not a marker'));
    const events: GcWaitEvent[] = [];
    expect(await waitForGcRuns(store, { pollMs: 0, onGcWait: (event) => events.push(event) })).toBe(false);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'unreadable', run: { key: 'gc-runs/garbage.json', active: false, unreadable: 'it is not JSON' } });
  });

  it('waits for a live run until it finishes, reporting which run, since when, until when', async () => {
    const { store } = memoryBucket();
    const run = await startGcRun(store);
    const events: GcWaitEvent[] = [];
    const waited = waitForGcRuns(store, {
      pollMs: 1,
      onGcWait: (event) => {
        events.push(event);
        // The run ends once the push is seen waiting for it.
        if (event.type === 'waiting') void run.finish();
      },
    });
    expect(await waited).toBe(true);
    expect(events.map((event) => event.type)).toEqual(['waiting', 'waited']);
    const waiting = events[0] as Extract<GcWaitEvent, { type: 'waiting' }>;
    expect(waiting.run).toMatchObject({ key: run.key, active: true, capped: false, version: 1 });
    expect(waiting.run.started).toBeInstanceOf(Date);
    expect(waiting.run.expires.getTime() - waiting.run.started!.getTime()).toBe(GcRunLayout.ttlMs);
  });

  it('a run keeps its start time across refreshes; readGcRuns reports it', async () => {
    const { store } = memoryBucket();
    let now = L.getTime();
    const run = await startGcRun(store, { clock: () => new Date(now) });
    now += 7 * MIN;
    await run.refresh();
    const [info] = await readGcRuns(store, { now: new Date(now) });
    expect(info).toMatchObject({ key: run.key, started: L, writtenExpires: new Date(now + GcRunLayout.ttlMs), version: 1 });
    await run.finish();
    expect(await readGcRuns(store)).toEqual([]);
  });
});

describe('waitForGcRuns options', () => {
  it('a poll interval beyond what a timer holds is refused (it would poll every millisecond)', async () => {
    const { store } = memoryBucket();
    const error = await rejected(waitForGcRuns(store, { pollMs: 2 ** 31 }));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
