import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { finished, runJson, spawnCli, tempDir } from './helpers/cli.js';
import { filesUnder, makeImage, type MadeImage } from './helpers/images.js';

// Ctrl-C in the middle of a genuine push of a ~300 MiB image: the CLI is
// signalled once the bucket holds its first blob, while the big layers are
// still streaming. Blobs move one at a time (--concurrency 1), so there is
// always more to interrupt.
let work: string;
let img: MadeImage;

beforeAll(async () => {
  work = await tempDir('s3lo-interrupt-');
  img = await makeImage(join(work, 'big'), { layers: [{ size: 1 << 20 }, { size: 150 << 20 }, { size: 150 << 20 }] });
});

/** Resolves once `blobs/sha256/` of the bucket holds a finished blob (not a hidden temporary file). */
async function firstBlob(bucket: string, child: { exitCode: number | null }): Promise<void> {
  const dir = join(bucket, 'blobs', 'sha256');
  for (;;) {
    if (child.exitCode !== null) throw new Error('the push finished before it could be interrupted');
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.some((n) => !n.startsWith('.'))) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** What an interrupted push must leave: some blobs, and nothing else (no tag, no lease, no temp file). */
async function expectCleanBucket(bucket: string): Promise<string[]> {
  const files = await filesUnder(bucket);
  expect(files.filter((f) => f.startsWith('manifests/'))).toEqual([]);
  expect(files.filter((f) => f.startsWith('leases/'))).toEqual([]);
  expect(files.filter((f) => basename(f).startsWith('.'))).toEqual([]);
  return files.filter((f) => f.startsWith('blobs/sha256/'));
}

describe('Ctrl-C during a push', () => {
  it('exits 130, writes no tag, leaves no temp files or lease; the next push completes and skips what is there', async () => {
    const bucket = join(work, 'store');
    const child = spawnCli(['push', 'oci:./big:v1', 'local://./store/app:v1', '--concurrency', '1'], { cwd: work });
    await firstBlob(bucket, child);
    child.kill('SIGINT');
    const result = await finished(child);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cancelling: removing partial uploads, writing no tag \(press Ctrl-C again to quit at once\)$/m);
    expect(result.stderr).toMatch(/^error: interrupted; nothing was committed$/m);
    const left = await expectCleanBucket(bucket);
    expect(left.length).toBeGreaterThanOrEqual(1);
    expect(left.length).toBeLessThan(4);

    const again = await runJson<{ blobsCopied: number; blobsSkipped: number; digest: string }>(['push', 'oci:./big:v1', 'local://./store/app:v1'], { cwd: work });
    expect(again.digest).toBe(img.digest);
    expect(again.blobsSkipped).toBe(left.length);
    expect(again.blobsCopied + again.blobsSkipped).toBe(4);
    expect(await runJson(['list', 'local://./store'], { cwd: work })).toEqual([{ name: 'app', tags: ['v1'] }]);
  });

  it('SIGTERM is handled the same way', async () => {
    const bucket = join(work, 'store-term');
    const child = spawnCli(['push', 'oci:./big:v1', 'local://./store-term/app:v1', '--concurrency', '1'], { cwd: work });
    await firstBlob(bucket, child);
    child.kill('SIGTERM');
    const result = await finished(child);
    expect(result.code, result.stderr).toBe(130);
    await expectCleanBucket(bucket);
  });

  it('a second signal while cancelling quits at once, still with 130', async () => {
    const bucket = join(work, 'store-twice');
    const child = spawnCli(['push', 'oci:./big:v1', 'local://./store-twice/app:v1', '--concurrency', '1'], { cwd: work });
    await firstBlob(bucket, child);
    // Two different signals, so the OS cannot merge them into one.
    child.kill('SIGTERM');
    child.kill('SIGINT');
    const result = await finished(child);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/^quitting without cleaning up$/m);
  });
});
