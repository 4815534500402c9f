import type { Digest } from '../../src/digest/digest.js';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors/index.js';
import { LeaseLayout, readLeasedDigests, writeLease } from '../../src/image/leases.js';
import { CLOCK_SKEW_MS } from '../../src/image/protocol-clock.js';
import { rejected, thrown } from '../support/thrown.js';
import { memoryBucket } from '../operations/memory-backend.js';

const MIN = 60_000;
const DIGEST: Digest = `sha256:${'a'.repeat(64)}`;

/** A clock the test moves by hand. */
function handClock(start = new Date('2030-01-01T00:00:00.000Z')) {
  let now = start.getTime();
  return { clock: () => new Date(now), advance: (ms: number) => void (now += ms), now: () => new Date(now) };
}

async function writtenExpiry(backend: ReturnType<typeof memoryBucket>['backend'], key: string): Promise<string> {
  return (JSON.parse(backend.objects.get(key)!.bytes.toString('utf8')) as { expires: string }).expires;
}

describe('push leases: short-lived, renewed while held', () => {
  it('live 15 minutes by default, renewed every 5', async () => {
    expect(LeaseLayout.defaultTtlMs).toBe(15 * MIN);
    expect(LeaseLayout.defaultRenewMs).toBe(5 * MIN);
    const { store } = memoryBucket();
    const time = handClock();
    const lease = await writeLease(store, [DIGEST], { clock: time.clock, renewEveryMs: 0 });
    expect(lease.expires).toEqual(new Date(time.now().getTime() + 15 * MIN));
    // A killed push's lease: protects at 14 minutes, not at 15.
    expect((await readLeasedDigests(store, { now: new Date(time.now().getTime() + 14 * MIN) })).activeKeys).toEqual([lease.key]);
    expect((await readLeasedDigests(store, { now: new Date(time.now().getTime() + 15 * MIN) })).expiredKeys).toEqual([lease.key]);
    await lease.release();
  });

  it('renew rewrites the same key with a later expiry, the same digests and creation time', async () => {
    const { backend, store } = memoryBucket();
    const time = handClock();
    const lease = await writeLease(store, [DIGEST], { clock: time.clock, renewEveryMs: 0 });
    const before = JSON.parse(backend.objects.get(lease.key)!.bytes.toString('utf8')) as Record<string, unknown>;
    time.advance(5 * MIN);
    await lease.renew();
    const after = JSON.parse(backend.objects.get(lease.key)!.bytes.toString('utf8')) as Record<string, unknown>;
    expect(after).toEqual({ ...before, expires: new Date(time.now().getTime() + 15 * MIN).toISOString() });
    expect(lease.expires).toEqual(new Date(time.now().getTime() + 15 * MIN));
    expect(backend.keys('leases/')).toEqual([lease.key]);
    lease.assertHeld();
    await lease.release();
    expect(backend.keys('leases/')).toEqual([]);
  });

  it('the heartbeat renews on its own until the lease is released', async () => {
    const { backend, store } = memoryBucket();
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    // Every read of the clock is a minute later: each renewal writes a later expiry.
    const lease = await writeLease(store, [DIGEST], { clock: () => new Date((now += MIN)), renewEveryMs: 1 });
    const first = await writtenExpiry(backend, lease.key);
    // An event ends this wait, not a time: the expiry written changes once the heartbeat ran.
    while ((await writtenExpiry(backend, lease.key)) === first) await new Promise((resolve) => setImmediate(resolve));
    await lease.release();
    expect(backend.keys('leases/')).toEqual([]);
  });

  it('a lease whose renewals failed past its expiry has lapsed: LEASE_EXPIRED, and a later renewal does not mend it', async () => {
    const { backend, store } = memoryBucket();
    const time = handClock();
    const lease = await writeLease(store, [DIGEST], { clock: time.clock, renewEveryMs: 0 });
    time.advance(15 * MIN - CLOCK_SKEW_MS);
    lease.assertHeld();
    time.advance(1);
    const error = thrown(() => lease.assertHeld());
    expect(error.code).toBe(ErrorCode.LEASE_EXPIRED);
    expect(error.details['key']).toBe(lease.key);
    expect(error.hint).toContain('run the push again');
    expect((await rejected(lease.renew())).code).toBe(ErrorCode.LEASE_EXPIRED);
    expect(thrown(() => lease.assertHeld()).code).toBe(ErrorCode.LEASE_EXPIRED);
    await lease.release();
    expect(backend.keys('leases/')).toEqual([]);
  });

  it('a renewal landing after the previous write expired (a slow or stalled store) is a lapse too', async () => {
    const { backend, store } = memoryBucket();
    const time = handClock();
    const lease = await writeLease(store, [DIGEST], { clock: time.clock, renewEveryMs: 0 });
    time.advance(5 * MIN);
    backend.hooks.beforePut = () => time.advance(20 * MIN);
    expect((await rejected(lease.renew())).code).toBe(ErrorCode.LEASE_EXPIRED);
    backend.hooks = {};
    await lease.release();
  });

  it('release waits for a renewal in flight, so the lease is not written back after it is deleted', async () => {
    const { backend, store } = memoryBucket();
    const lease = await writeLease(store, [DIGEST], { renewEveryMs: 0 });
    let land!: () => void;
    let started!: () => void;
    const renewalStarted = new Promise<void>((resolve) => (started = resolve));
    backend.hooks.beforePut = () =>
      new Promise<void>((resolve) => {
        land = resolve;
        started();
      });
    const renewing = lease.renew();
    await renewalStarted;
    const releasing = lease.release();
    land();
    await renewing;
    await releasing;
    expect(backend.keys('leases/')).toEqual([]);
    expect((await rejected(lease.renew())).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('refuses a negative renewal interval', async () => {
    const { store } = memoryBucket();
    expect((await rejected(writeLease(store, [DIGEST], { renewEveryMs: -1 }))).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('push lease durations', () => {
  it('a ttlMs or renewal interval beyond what a timer holds is refused, not a crash or a renewal every millisecond', async () => {
    const { store } = memoryBucket();
    for (const options of [{ ttlMs: 1e20 }, { ttlMs: 2 ** 31 }, { ttlMs: 0 }, { ttlMs: Number.NaN }, { renewEveryMs: 2 ** 31 }, { renewEveryMs: -1 }]) {
      const error = await rejected(writeLease(store, [DIGEST], options));
      expect(error.code, JSON.stringify(options)).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(error.message).toMatch(/must be a number of milliseconds from \d+ to 2147483647/);
    }
  });
});
