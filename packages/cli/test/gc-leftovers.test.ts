import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { finished, runCli, runJson, spawnCli, tempDir } from './helpers/cli.js';
import { filesUnder, makeImage } from './helpers/images.js';

// What a push says about GC-run markers, and what clean does with the
// leftovers of killed pushes and cleans, through the built CLI on a
// local:// bucket. Leftovers are planted as files with an old mtime: the
// store's clock is what the protocol reads, so nothing here waits.
let work: string;
const MIN = 60_000;
const HOUR = 60 * MIN;

beforeAll(async () => {
  work = await tempDir('s3lo-cli-gc-');
  await makeImage(join(work, 'layout'), { tag: 'v1', layers: [{ size: 2000 }] });
});

async function plant(bucket: string, key: string, content: string, ageMs = 0): Promise<void> {
  const path = join(work, bucket, ...key.split('/'));
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
}

const marker = (fields: Record<string, unknown>) => JSON.stringify({ kind: 's3lo-gc-run', version: 1, ...fields });

describe('push and GC markers', () => {
  it('a planted year-9999 marker does not block the push past the protocol cap, and is reported on stderr', async () => {
    await plant('capped', 'gc-runs/planted.json', marker({ expires: '9999-12-31T00:00:00.000Z' }), 20 * MIN);
    const result = await runCli(['push', 'oci:./layout:v1', 'local://./capped/app:v1'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warning: GC marker gc-runs\/planted\.json in local:\/\/\.\/capped says it lasts until 9999-12-31T00:00:00\.000Z, longer than a GC run may hold pushes; it counts only until \S+Z \(10 minutes after it was last written\)\. If no s3lo clean is running, delete it$/,
    );
    expect(result.stdout).toMatch(/^pushed local:\/\/\.\/capped\/app:v1 /);
  });

  it('a garbage marker is reported and not obeyed', async () => {
    await plant('garbage', 'gc-runs/garbage.json', '{"kind": "s3lo-gc-run", "version": 1, "expires": "whenever"}');
    const result = await runCli(['push', 'oci:./layout:v1', 'local://./garbage/app:v1'], { cwd: work });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^warning: ignoring gc-runs\/garbage\.json in local:\/\/\.\/garbage: it is not a GC-run marker s3lo writes \(its "expires" is not an ISO date\); delete it, or let s3lo clean --confirm remove it after \S+Z\n$/,
    );
  });

  it('a push held back by a marker says which run, since when, until when, and how to clear it; it goes on once the marker is gone', async () => {
    const started = new Date(Date.now() - 3 * MIN).toISOString();
    const now = new Date().toISOString();
    await plant('held', 'gc-runs/stale.json', marker({ started, refreshed: now, expires: new Date(Date.now() + 10 * MIN).toISOString() }));
    const child = spawnCli(['push', 'oci:./layout:v1', 'local://./held/app:v1'], { cwd: work });
    // An event, not a time: the line appears, then the "killed clean's" marker is deleted by hand, as the line says.
    while (!child.output().stderr.includes('waiting for garbage collection run')) {
      if (child.exitCode !== null) throw new Error(`the push ended without waiting: ${child.output().stderr}`);
      await sleep(20);
    }
    await rm(join(work, 'held', 'gc-runs', 'stale.json'));
    const result = await finished(child);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `waiting for garbage collection run gc-runs/stale.json in local://./held (started ${started}) to finish before writing the tag; ` +
        `its marker expires ${new Date(Date.parse(now) + 10 * MIN).toISOString()} unless the run renews it. ` +
        'If no s3lo clean is running on this bucket, it is a leftover of a killed one: delete gc-runs/stale.json from the bucket to go on now',
    );
    expect(lines[1]).toMatch(/^done waiting for garbage collection \([\d.]+m?s\); checking the blobs again before writing the tag$/);
    expect(lines).toHaveLength(2);
  });
});

describe('clean and leftovers', () => {
  it('reports expired markers, expired leases and abandoned temporary files; --confirm removes them, with figures in -o json', async () => {
    const bucket = 'leftovers';
    expect((await runCli(['push', 'oci:./layout:v1', `local://./${bucket}/app:v1`], { cwd: work })).code).toBe(0);
    const old = new Date(Date.now() - HOUR).toISOString();
    await plant(bucket, 'gc-runs/killed.json', marker({ started: old, refreshed: old, expires: old }), HOUR);
    const lease = { kind: 's3lo-push-lease', version: 1, created: old, expires: old, digests: [] };
    await plant(bucket, `leases/${'1'.repeat(32)}.json`, JSON.stringify(lease), HOUR);
    const temp = `blobs/sha256/.${'d'.repeat(64)}.s3lo-tmp-${'0'.repeat(16)}`;
    await plant(bucket, temp, 'half a layer', 2 * HOUR);
    const before = await filesUnder(join(work, bucket));

    const dry = await runJson<Record<string, Record<string, unknown>>>(['clean', `local://./${bucket}`], { cwd: work });
    expect(dry['leases']).toEqual({ active: 0, expired: 1, removed: 0 });
    expect(dry['gcRuns']).toEqual({ active: 0, expired: 1, capped: 0, unreadable: 0, removed: 0, expiredKeys: ['gc-runs/killed.json'] });
    expect(dry['uploads']).toEqual({
      checked: true,
      found: 1,
      kept: 0,
      stale: 1,
      aborted: 0,
      staleUploads: [{ key: `blobs/sha256/${'d'.repeat(64)}`, id: temp, initiated: expect.stringMatching(/Z$/) }],
    });
    const text = await runCli(['clean', `local://./${bucket}`], { cwd: work });
    expect(text.stdout).toMatch(/^Push leases: +0 active, 1 expired \(would be removed\)$/m);
    expect(text.stdout).toMatch(/^GC markers: +0 active, 1 expired \(would be removed\)$/m);
    expect(text.stdout).toMatch(/^Pending uploads: +1 found, 1 abandoned \(would be aborted\), 0 kept \(recent or leased\)$/m);
    expect(text.stderr).toBe('dry run: nothing was deleted; run again with --confirm to delete them\n');
    expect(await filesUnder(join(work, bucket))).toEqual(before);

    const real = await runJson<Record<string, Record<string, unknown>>>(['clean', `local://./${bucket}`, '--confirm'], { cwd: work });
    expect(real['leases']).toMatchObject({ expired: 1, removed: 1 });
    expect(real['gcRuns']).toMatchObject({ expired: 1, removed: 1 });
    expect(real['uploads']).toMatchObject({ stale: 1, aborted: 1 });
    const after = await filesUnder(join(work, bucket));
    expect(after.filter((file) => !file.startsWith('blobs/') && !file.startsWith('manifests/'))).toEqual([]);
    expect(after).not.toContain(temp);
    const again = await runCli(['clean', `local://./${bucket}`, '--confirm'], { cwd: work });
    expect(again.stdout).toMatch(/^Push leases: +0 active, 0 expired$/m);
    expect(again.stdout).toMatch(/^GC markers: +0 active, 0 expired$/m);
    expect(again.stdout).toMatch(/^Pending uploads: +0 found, 0 abandoned, 0 kept \(recent or leased\)$/m);
  });
});
