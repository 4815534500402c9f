import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { makeImage } from './helpers/images.js';
import { cannotMount, runCliOnMount, type MountedRun } from './helpers/mounts.js';

// Writes to a read-only or full file system say so, on one line with a
// hint, exit 1: every place s3lo writes files (a local:// bucket, an oci:
// layout, both archive formats). Real file systems: a tmpfs mounted
// read-only, or of 1 MiB for a 3 MiB image, in a mount namespace of the
// CLI's own. Before, a read-only disk read as "does not exist" or "no object
// at key" (Node's recursive mkdir reports EROFS as ENOENT), a full one as a
// raw ENOSPC or "the operation was aborted".

if (cannotMount !== undefined) console.warn(`SKIPPED: read-only and full file system tests: ${cannotMount}`);

let work: string;
beforeAll(async () => {
  work = await tempDir();
  await makeImage(join(work, 'small'));
  await makeImage(join(work, 'big'), { layers: [{ size: 3 << 20 }] });
  for (const image of ['small', 'big']) {
    const pushed = await runCli(['push', '-q', `oci:./${image}:v1`, `local://./store/${image}:v1`], { cwd: work });
    expect(pushed.code, pushed.stderr).toBe(0);
  }
  // A bucket and an empty directory to be found on the read-only mount.
  await mkdir(join(work, 'seed', 'bucket'), { recursive: true });
  await mkdir(join(work, 'seed', 'empty-layout'));
  const seeded = await runCli(['push', '-q', 'oci:./small:v1', 'local://./seed/bucket//app:v1'], { cwd: work });
  expect(seeded.code, seeded.stderr).toBe(0);
});

let mounts = 0;
async function onMount(args: string[], options: { readOnly: boolean; size?: string; seed?: string }): Promise<MountedRun> {
  const at = join(work, `mnt-${++mounts}`);
  await mkdir(at);
  return runCliOnMount(
    args.map((arg) => arg.replace('MNT', at)),
    { at, size: options.size ?? '1m', readOnly: options.readOnly, seed: options.seed, cwd: work },
  );
}

/** Exit 1, nothing on stdout, `error: <line>` then exactly one `hint:` line, no stack. Returns the error line. */
function oneError(result: MountedRun): string {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[1]).toMatch(/^hint: /);
  return lines[0] as string;
}

describe.skipIf(cannotMount !== undefined)('a read-only file system', () => {
  const READ_ONLY = /: the file system is read-only \(/;
  const HINT = 'hint: write to a directory on a writable file system, or remount this one read-write';

  it.each([
    ['push to an existing local:// bucket', ['push', 'oci:./small:v1', 'local://MNT/bucket//app:v2']],
    ['push to a new local:// bucket', ['push', 'oci:./small:v1', 'local://MNT/new//app:v1']],
    ['pull to a new oci: layout', ['pull', 'local://./store/small:v1', 'oci:MNT/out:v1']],
    ['pull to an empty directory as oci: layout', ['pull', 'local://./store/small:v1', 'oci:MNT/empty-layout:v1']],
    ['pull to docker-archive:', ['pull', 'local://./store/small:v1', 'docker-archive:MNT/app.tar']],
    ['pull to oci-archive:', ['pull', 'local://./store/small:v1', 'oci-archive:MNT/app.tar:v1']],
  ])('%s: says the file system is read-only (not "does not exist")', async (_what, args) => {
    const result = await onMount(args, { readOnly: true, seed: join(work, 'seed') });
    const line = oneError(result);
    expect(line).toMatch(READ_ONLY);
    expect(line).not.toMatch(/does not exist|no object|not found/);
    expect(result.stderr).toContain(HINT);
  });

  it('a tag in a read-only bucket still reads (control)', async () => {
    const result = await onMount(['inspect', '-o', 'json', 'local://MNT/bucket//app:v1'], { readOnly: true, seed: join(work, 'seed') });
    expect(result.code, result.stderr).toBe(0);
  });
});

describe.skipIf(cannotMount !== undefined)('a full file system (a 3 MiB image into 1 MiB)', () => {
  const FULL = /: no space left on the device \(the disk is full\)/;
  const HINT = 'hint: free some space there, or write somewhere else';

  it.each([
    ['push to local://', ['push', 'oci:./big:v1', 'local://MNT/bucket//app:v1']],
    ['pull to oci:', ['pull', 'local://./store/big:v1', 'oci:MNT/out:v1']],
    ['pull to docker-archive:', ['pull', 'local://./store/big:v1', 'docker-archive:MNT/app.tar']],
    ['pull to oci-archive:', ['pull', 'local://./store/big:v1', 'oci-archive:MNT/app.tar:v1']],
  ])('%s: says the disk is full (not a raw ENOSPC, not "aborted"), and leaves no partial file', async (_what, args) => {
    const result = await onMount(args, { readOnly: false });
    const line = oneError(result);
    expect(line).toMatch(FULL);
    expect(line).not.toMatch(/ENOSPC|aborted/);
    expect(result.stderr).toContain(HINT);
    // No temporary file, no archive, no tag; at most verified blobs or a lease-free bucket skeleton.
    expect(
      result.files.filter((file) => /tmp|\.tar$|manifest\.json$|leases\//.test(file)),
      result.files.join('\n'),
    ).toEqual([]);
  });
});
