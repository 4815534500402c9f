import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import azureBackend from '@s3lo/backend-azure';
import localBackend from '@s3lo/backend-local';
import { image, PluginRegistry } from '@s3lo/core';
import { injectAzurite } from '@s3lo/azurite-server/vitest';
import { OCI_INDEX, blobPath, startLayout, writeBlob, writeImage, writeIndexJson, type Desc } from '@s3lo/oci-fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const azurite = injectAzurite();
const CLI = join(dirname(createRequire(import.meta.url).resolve('@s3lo/cli/package.json')), 'dist', 's3lo.js');
const service = BlobServiceClient.fromConnectionString(azurite.connectionString);

/** Runs the CLI with Azurite's connection string in its environment. */
function s3lo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, NO_COLOR: '1' };
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function keysOf(container: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of service.getContainerClient(container).listBlobsFlat()) keys.push(blob.name);
  return keys.sort();
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const blobKey = (digest: string): string => `blobs/sha256/${digest.slice(7)}`;
const sum = (blobs: readonly Desc[]): number => blobs.reduce((total, b) => total + b.size, 0);

describe('azure on azurite: a multi-platform image through the CLI', () => {
  let dir: string;
  let index: Desc;
  let indexBytes: Buffer;
  let blobs: Desc[];
  const containers = [`e2e-${randomBytes(4).toString('hex')}`, `e2e-${randomBytes(4).toString('hex')}`];
  const registry = new PluginRegistry();
  registry.registerBackend(azureBackend);
  registry.registerBackend(localBackend);
  const options = { registry, backendOptions: { connectionString: azurite.connectionString } };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3lo-azure-e2e-'));
    const src = join(dir, 'src');
    await startLayout(src);
    // Layers above the backend's 8 MiB block size go as staged blocks.
    const amd64 = await writeImage(
      src,
      [
        { name: 'a.bin', size: 3000 },
        { name: 'big.bin', size: 9 * 1024 * 1024 },
      ],
      { os: 'linux', architecture: 'amd64' },
    );
    const arm64 = await writeImage(src, [{ name: 'b.bin', size: 40_001 }], { os: 'linux', architecture: 'arm64', variant: 'v8' });
    indexBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } },
          { ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ],
      }),
    );
    index = await writeBlob(src, indexBytes, OCI_INDEX);
    await writeIndexJson(src, index, 'v1');
    blobs = [amd64, arm64].flatMap((c) => [c.manifest, c.config, ...c.layers]);
    for (const name of containers) await service.getContainerClient(name).create();
  });
  afterAll(async () => {
    for (const name of containers) await service.getContainerClient(name).deleteIfExists();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function expectLayout(out: string): Promise<void> {
    const top = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Desc[] };
    expect(top.manifests[0]?.digest).toBe(index.digest);
    expect((await readFile(blobPath(out, index.digest))).equals(indexBytes)).toBe(true);
    const expected = [index, ...blobs].map((b) => join('blobs', 'sha256', b.digest.slice(7))).sort();
    expect((await filesUnder(join(out, 'blobs'))).map((f) => join('blobs', f))).toEqual(expected);
    for (const blob of blobs) {
      expect((await readFile(blobPath(out, blob.digest))).equals(await readFile(blobPath(join(dir, 'src'), blob.digest))), blob.digest).toBe(true);
    }
  }

  test('push writes exactly the bucket format keys; pull is byte-identical', async () => {
    const [first] = containers as [string, string];
    const push = await s3lo(['push', `oci:${join(dir, 'src')}:v1`, `az://${first}/app:v1`]);
    expect(push.stderr).not.toMatch(/^error/m);
    expect(push.code).toBe(0);
    // The index is the tag's manifest.json, not a blob (the bucket format).
    expect(await keysOf(first)).toEqual([...new Set(blobs.map((b) => blobKey(b.digest)))].concat('manifests/app/v1/manifest.json').sort());
    const out = join(dir, 'pulled');
    const pull = await s3lo(['pull', `az://${first}/app:v1`, `oci:${out}:v1`]);
    expect(pull.code).toBe(0);
    await expectLayout(out);
  });

  test('copy Azure -> local -> another Azure container, digests verified; a copy inside one container', async () => {
    const [first, second] = containers as [string, string];
    const local = join(dir, 'store');
    expect((await s3lo(['copy', `az://${first}/app:v1`, `local://${local}/app:v1`])).code).toBe(0);
    expect((await s3lo(['copy', `local://${local}/app:v1`, `az://${second}/app:v2`])).code).toBe(0);
    expect((await s3lo(['copy', `az://${second}/app:v2`, `az://${second}/app:v3`])).code).toBe(0);
    const verify = await s3lo(['verify', `az://${second}`]);
    expect(verify.code).toBe(0);
    const out = join(dir, 'roundtrip');
    expect((await s3lo(['pull', `az://${second}/app:v3`, `oci:${out}:v1`])).code).toBe(0);
    await expectLayout(out);
  });

  test('list, stats and gc', async () => {
    const second = containers[1] as string;
    expect(await image.list(`az://${second}`, options)).toEqual([{ name: 'app', tags: ['v2', 'v3'] }]);
    const stats = await image.stats(`az://${second}`, options);
    expect(stats).toMatchObject({ images: 1, tags: 2, uniqueBlobs: blobs.length, actualBytes: sum(blobs) });
    expect(stats.logicalBytes).toBeGreaterThan(stats.actualBytes);
    // Nothing unreferenced: gc deletes nothing. Then drop both tags: gc deletes every blob.
    expect((await image.gc(`az://${second}`, { ...options, gracePeriodMs: 0 })).deleted).toBe(0);
    await image.deleteImage(`az://${second}/app:v2`, options);
    await image.deleteImage(`az://${second}/app:v3`, options);
    const gc = await image.gc(`az://${second}`, { ...options, gracePeriodMs: 0 });
    expect(gc.deleted).toBe(blobs.length);
    expect(await keysOf(second)).toEqual([]);
  });
});
