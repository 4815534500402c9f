/**
 * The s3lo CLI end to end against a GCS server (the emulator the harness
 * starts): a multi-platform image is pushed to gs://, listed, inspected,
 * pulled back byte-exact, copied gs -> local -> gs with digests verified,
 * counted by stats, deleted and collected by clean.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { injectGcsServer } from '@s3lo/gcs-emulator/vitest';
import { blobPath, writeMultiPlatformImage, type Desc } from '@s3lo/oci-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(dirname(createRequire(import.meta.url).resolve('@s3lo/cli/package.json')), 'dist', 's3lo.js');
const server = injectGcsServer();

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI against the emulator (`--endpoint`), in `cwd`, without Google credentials in its environment. */
function s3lo(args: readonly string[], cwd: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['STORAGE_EMULATOR_HOST'];
  delete env['GOOGLE_APPLICATION_CREDENTIALS'];
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The emulator lists out of UTF-8 order: the backend lists client-side there. */
const STORE = ['--endpoint', server.endpoint, '--store-option', 'clientSideListing=true'];

async function ok(args: readonly string[], cwd: string): Promise<string> {
  const result = await s3lo([...args, ...STORE], cwd);
  expect(result.code, `s3lo ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

async function blobFiles(layout: string): Promise<string[]> {
  return (await readdir(join(layout, 'blobs', 'sha256'))).sort();
}

describe(`s3lo CLI on gs:// (${server.kind})`, () => {
  let work: string;
  let image: { index: Desc; blobs: Desc[] };
  const bucket = `s3lo-e2e-${randomBytes(4).toString('hex')}`;
  const copyBucket = `${bucket}-copy`;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 's3lo-gcs-e2e-'));
    image = await writeMultiPlatformImage(join(work, 'src'));
  });
  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('push, list, inspect, pull back byte-exact', async () => {
    const pushed = JSON.parse(await ok(['push', 'oci:./src:v1', `gs://${bucket}/team/app:v1`, '-o', 'json'], work)) as { digest: string; platforms: string[] };
    expect(pushed.digest).toBe(image.index.digest);
    expect(pushed.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);

    const listed = JSON.parse(await ok(['list', `gs://${bucket}`, '-o', 'json'], work)) as { name: string; tags: string[] }[];
    expect(listed).toEqual([expect.objectContaining({ name: 'team/app', tags: ['v1'] })]);
    const inspected = JSON.parse(await ok(['inspect', `gs://${bucket}/team/app:v1`, '-o', 'json'], work)) as { digest: string };
    expect(inspected.digest).toBe(image.index.digest);

    await ok(['pull', `gs://${bucket}/team/app:v1`, 'oci:./out:v1'], work);
    const expected = [image.index, ...image.blobs].map((b) => b.digest.slice(7)).sort();
    expect(await blobFiles(join(work, 'out'))).toEqual(expected);
    for (const blob of [image.index, ...image.blobs]) {
      expect((await readFile(blobPath(join(work, 'out'), blob.digest))).equals(await readFile(blobPath(join(work, 'src'), blob.digest))), blob.digest).toBe(true);
    }
  });

  it('copies gs -> local -> another gs bucket with the same digest; verify finds both sound', async () => {
    await ok(['copy', `gs://${bucket}/team/app:v1`, 'local://./store/team/app:v1'], work);
    await ok(['copy', 'local://./store/team/app:v1', `gs://${copyBucket}/app:v2`], work);
    const inspected = JSON.parse(await ok(['inspect', `gs://${copyBucket}/app:v2`, '-o', 'json'], work)) as { digest: string };
    expect(inspected.digest).toBe(image.index.digest);
    for (const b of [bucket, copyBucket]) {
      const verified = JSON.parse(await ok(['verify', `gs://${b}`, '-o', 'json'], work)) as { sound: boolean };
      expect(verified.sound, b).toBe(true);
    }
  });

  it('stats counts the image; delete and clean --confirm --grace 0s leave no blob', async () => {
    const stats = JSON.parse(await ok(['stats', `gs://${copyBucket}`, '-o', 'json'], work)) as { images: number; tags: number; uniqueBlobs: number };
    expect(stats).toMatchObject({ images: 1, tags: 1, uniqueBlobs: image.blobs.length });
    await ok(['delete', `gs://${copyBucket}/app:v2`], work);
    const cleaned = JSON.parse(await ok(['clean', `gs://${copyBucket}`, '--confirm', '--grace', '0s', '-o', 'json'], work)) as { deleted: number };
    expect(cleaned.deleted).toBe(image.blobs.length);
    const after = JSON.parse(await ok(['stats', `gs://${copyBucket}`, '-o', 'json'], work)) as { images: number; uniqueBlobs: number };
    expect(after).toMatchObject({ images: 0, uniqueBlobs: 0 });
  });
});
