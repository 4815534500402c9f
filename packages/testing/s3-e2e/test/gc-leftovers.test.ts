import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { image } from '@s3lo/core';
import type { GcWaitEvent } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  MiB,
  adminClient,
  backendOptions,
  cephServer,
  listKeys,
  makeImage,
  makeRegistry,
  makeTempDir,
  pendingUploads,
  removeBucket,
  removeDir,
  s3lo,
  startS3lo,
  type SingleImage,
} from './support.js';

// Leftovers of killed pushes and killed cleans on Ceph RGW, where they are
// real: multipart uploads (ListMultipartUploads), markers and leases dated
// by the store's clock. Times are moved with `now` and injected clocks,
// never waited for.
const server = cephServer();
const MIN = 60_000;
const HOUR = 60 * MIN;

describe.runIf(server !== undefined)('ceph-rgw: leftovers of killed pushes and cleans', () => {
  const registry = makeRegistry();
  const options = () => ({ registry, backendOptions: backendOptions(server!) });
  const buckets: string[] = [];
  let dir: string;
  let small: SingleImage;

  beforeAll(async () => {
    dir = await makeTempDir('leftovers');
    small = await makeImage(join(dir, 'small'), [3000, 20_000]);
  });
  afterAll(async () => {
    for (const bucket of buckets) await removeBucket(server!, bucket).catch(() => {});
    await removeDir(dir);
  });

  async function freshBucket(): Promise<string> {
    const bucket = await server!.createBucket();
    buckets.push(bucket);
    return bucket;
  }

  /** What a put killed mid-upload leaves on S3: a multipart upload with a part, never completed. */
  async function leaveUpload(bucket: string, key: string): Promise<void> {
    const { UploadId } = await adminClient(server!).send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await adminClient(server!).send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(MiB, 1) }));
  }

  test('clean aborts abandoned multipart uploads older than the grace period, keeps one a live push leases; a dry run only reports', async () => {
    const bucket = await freshBucket();
    const [abandoned, owned] = ['a', 'b'].map((c) => `blobs/sha256/${c.repeat(64)}`) as [string, string];
    await leaveUpload(bucket, abandoned);
    await leaveUpload(bucket, owned);
    const store = await image.openBucket({ scheme: 's3', bucket }, options());
    const lease = await image.writeLease(store, [`sha256:${'b'.repeat(64)}`], { ttlMs: 3 * HOUR, renewEveryMs: 0 });
    const later = new Date(Date.now() + 2 * HOUR);

    const dry = await image.gc(`s3://${bucket}`, { ...options(), dryRun: true, now: later });
    expect(dry.uploads).toMatchObject({ checked: true, found: 2, kept: 1, stale: 1, aborted: 0 });
    expect(dry.uploads.staleUploads.map((u) => u.key)).toEqual([abandoned]);
    expect(await pendingUploads(server!, bucket)).toHaveLength(2);

    // Now (both just started): younger than the grace period, both kept.
    const young = await image.gc(`s3://${bucket}`, options());
    expect(young.uploads).toMatchObject({ found: 2, kept: 2, stale: 0, aborted: 0 });

    const real = await image.gc(`s3://${bucket}`, { ...options(), now: later });
    expect(real.uploads).toMatchObject({ found: 2, kept: 1, stale: 1, aborted: 1 });
    expect((await pendingUploads(server!, bucket)).map((u) => u.key)).toEqual([owned]);

    await lease.release();
    const released = await image.gc(`s3://${bucket}`, { ...options(), now: later });
    expect(released.uploads).toMatchObject({ found: 1, stale: 1, aborted: 1 });
    expect(await pendingUploads(server!, bucket)).toEqual([]);
    await store.close();
  });

  test('a planted year-9999 marker holds a push back only until the cap (store-dated), is reported, and a clean removes it once expired', async () => {
    const bucket = await freshBucket();
    const planted = JSON.stringify({ kind: 's3lo-gc-run', version: 1, expires: '9999-12-31T00:00:00.000Z' });
    await adminClient(server!).send(new PutObjectCommand({ Bucket: bucket, Key: 'gc-runs/planted.json', Body: planted }));
    await adminClient(server!).send(new PutObjectCommand({ Bucket: bucket, Key: 'gc-runs/garbage.json', Body: 'garbage' }));
    const events: GcWaitEvent[] = [];
    let now = Date.now();
    const pushed = await image.push(small.ref, `s3://${bucket}/app:v1`, {
      ...options(),
      // Thirty seconds pass with every look at the clock.
      clock: () => new Date((now += MIN / 2)),
      gcPollMs: 0,
      onGcWait: (event) => events.push(event),
    });
    expect(events.map((e) => [e.type, 'run' in e ? e.run.key : e.keys.join()])).toEqual([
      ['unreadable', 'gc-runs/garbage.json'],
      ['capped', 'gc-runs/planted.json'],
      ['waiting', 'gc-runs/planted.json'],
      ['waited', 'gc-runs/planted.json'],
    ]);
    const capped = events[1] as Extract<GcWaitEvent, { type: 'capped' }>;
    expect(capped.run.expires.getTime() - capped.run.lastModified.getTime()).toBe(11 * MIN);
    expect((events[3] as Extract<GcWaitEvent, { type: 'waited' }>).until.getTime()).toBeLessThan(capped.run.expires.getTime() + 2 * MIN);
    expect((await image.inspect(`s3://${bucket}/app:v1`, options())).digest).toBe(pushed.digest);

    const hourLater = new Date(Date.now() + HOUR);
    const dry = await image.gc(`s3://${bucket}`, { ...options(), dryRun: true, now: hourLater });
    expect(dry.gcRuns).toMatchObject({ active: 0, expired: 2, capped: 1, unreadable: 1, removed: 0 });
    const real = await image.gc(`s3://${bucket}`, { ...options(), now: hourLater });
    expect(real.gcRuns).toMatchObject({ expired: 2, removed: 2 });
    expect((await listKeys(server!, bucket)).filter((key) => !key.startsWith('blobs/') && !key.startsWith('manifests/'))).toEqual([]);
  });

  test('a push killed mid-upload (SIGKILL): clean keeps its upload while its lease lives, then aborts it and removes the lease', async () => {
    const bucket = await freshBucket();
    const big = await makeImage(join(dir, 'big'), [40 * MiB]);
    const endpoint = ['--endpoint', server!.endpoint, '--region', server!.region];
    const credentials = { accessKeyId: server!.accessKeyId, secretAccessKey: server!.secretAccessKey };
    const { child, done } = startS3lo(['push', '-q', big.ref, `s3://${bucket}/app:v1`, '--concurrency', '1', ...endpoint], credentials);
    // Killed once its multipart upload exists: an event, not a time.
    while ((await pendingUploads(server!, bucket)).length === 0) {
      if (child.exitCode !== null) throw new Error(`the push ended before it could be killed: ${(await done).stderr}`);
      await sleep(20);
    }
    child.kill('SIGKILL');
    expect((await done).code).toBe(null);
    const uploads = await pendingUploads(server!, bucket);
    expect(uploads.length).toBeGreaterThanOrEqual(1);
    const leaseKeys = (await listKeys(server!, bucket)).filter((key) => key.startsWith('leases/'));
    expect(leaseKeys).toHaveLength(1);

    // Right after the kill its lease is unexpired: clean cannot tell it from a live push and keeps its upload.
    const kept = await s3lo(['clean', `s3://${bucket}`, '--grace', '0s', '--confirm', '-o', 'json', ...endpoint], credentials);
    expect(kept.code, kept.stderr).toBe(0);
    const keptResult = JSON.parse(kept.stdout) as { leases: Record<string, number>; uploads: Record<string, unknown> };
    expect(keptResult.leases).toEqual({ active: 1, expired: 0, removed: 0 });
    expect(keptResult.uploads).toMatchObject({ checked: true, found: uploads.length, kept: uploads.length, aborted: 0 });
    expect(await pendingUploads(server!, bucket)).toHaveLength(uploads.length);

    // Fifteen minutes later, as the store sees it: the lease was never renewed and has expired.
    const body = await (await adminClient(server!).send(new GetObjectCommand({ Bucket: bucket, Key: leaseKeys[0] }))).Body!.transformToString();
    const lease = JSON.parse(body) as Record<string, unknown>;
    await adminClient(server!).send(new PutObjectCommand({ Bucket: bucket, Key: leaseKeys[0], Body: JSON.stringify({ ...lease, expires: new Date(Date.now() - MIN).toISOString() }) }));
    const cleaned = await s3lo(['clean', `s3://${bucket}`, '--grace', '0s', '--confirm', '-o', 'json', ...endpoint], credentials);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    const result = JSON.parse(cleaned.stdout) as { leases: Record<string, number>; uploads: Record<string, unknown> };
    expect(result.leases).toEqual({ active: 0, expired: 1, removed: 1 });
    expect(result.uploads).toMatchObject({ found: uploads.length, stale: uploads.length, aborted: uploads.length });
    expect(await pendingUploads(server!, bucket)).toEqual([]);
    expect((await listKeys(server!, bucket)).filter((key) => !key.startsWith('blobs/'))).toEqual([]);
  });
});
