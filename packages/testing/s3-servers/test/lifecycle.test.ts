// Servers started and stopped directly (not through the global setup):
// stop() really stops, a failed start cleans up and explains itself.
import { existsSync } from 'node:fs';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Client, startCephRgw, startS3rver, type S3TestServer } from '../src/index.js';
import { portOpen } from '../src/process.js';
import { expectGone, GONE_WITHIN_MS, portOf, processesMentioning } from './helpers.js';

async function checkStartStop(server: S3TestServer, daemons: number): Promise<void> {
  const dir = server.dir as string;
  expect(existsSync(dir)).toBe(true);
  // The daemons and the watchdog all carry the temp dir on their command line.
  expect((await processesMentioning(dir)).length).toBe(daemons + 1);
  const client = createS3Client(server);
  const bucket = await server.createBucket();
  const listed = await client.send(new ListBucketsCommand({}));
  expect((listed.Buckets ?? []).map((b) => b.Name)).toContain(bucket);
  client.destroy();

  const port = portOf(server.endpoint);
  expect(await portOpen(port)).toBe(true);
  const t0 = performance.now();
  await server.stop();
  const stopMs = performance.now() - t0;
  expect(await portOpen(port)).toBe(false);
  expect(await processesMentioning(dir)).toEqual([]);
  expect(existsSync(dir)).toBe(false);
  await server.stop(); // idempotent
  console.log(`${server.kind}: stop ${Math.round(stopMs)} ms`);
}

// A Ceph start takes seconds on an idle machine, many times that beside the
// rest of the suite; its own deadline (60 s) bounds it, so the test's bound
// sits above that instead of below.
describe('start and stop', { timeout: 180_000 }, () => {
  it('Ceph RGW: mon, osd and radosgw start, answer S3 and stop completely', async () => {
    const t0 = performance.now();
    const server = await startCephRgw();
    console.log(`ceph-rgw: start ${Math.round(performance.now() - t0)} ms`);
    expect(server.kind).toBe('ceph-rgw');
    await checkStartStop(server, 3);
  });

  it('s3rver starts, answers S3 and stops completely', async () => {
    const t0 = performance.now();
    const server = await startS3rver();
    console.log(`s3rver: start ${Math.round(performance.now() - t0)} ms`);
    expect(server).toMatchObject({ kind: 's3rver', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    await checkStartStop(server, 1);
  });

  it('a Ceph start that runs out of time kills what it started and shows the logs', async () => {
    const error = (await startCephRgw({ startTimeoutMs: 200 }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^Ceph RGW did not start: timed out/);
    expect(error.message).toMatch(/--- \/.*\/log\/mon\.a\.log \(last 20 lines\) ---/);
    const dir = /--- (\/\S+)\/log\/mon\.a\.log/.exec(error.message)?.[1] as string;
    expect(dir).toMatch(/s3lo-ceph-/);
    await expectGone(dir, GONE_WITHIN_MS);
  });
});
