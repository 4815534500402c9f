/**
 * The s3lo CLI across stores, with the three test servers of the run up at
 * once: a multi-platform image pushed to gs://, copied gs -> az -> s3 ->
 * local and back local -> s3 -> az -> gs (another bucket), the tag's digest
 * and `verify` checked at each hop, then pulled back byte-exact; copies
 * inside one store; stats and gc after a delete.
 *
 * Each store is reached through its environment (a cross-store copy opens
 * two backends, and `--endpoint` would go to both): STORAGE_EMULATOR_HOST,
 * AZURE_STORAGE_CONNECTION_STRING, AWS_ENDPOINT_URL_S3 with the server's keys.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { injectAzurite } from '@s3lo/azurite-server/vitest';
import { injectGcsServer } from '@s3lo/gcs-emulator/vitest';
import { OCI_MANIFEST, blobPath, writeMultiPlatformImage, type Desc } from '@s3lo/oci-fixtures';
import type { S3TestServer } from '@s3lo/s3-servers';
import { injectS3Servers } from '@s3lo/s3-servers/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(dirname(createRequire(import.meta.url).resolve('@s3lo/cli/package.json')), 'dist', 's3lo.js');
const gcs = injectGcsServer();
const azurite = injectAzurite();
const s3 = theS3Server();
/** The run's S3 server (s3rver unless S3LO_TEST_S3 names another; the first when it names several). */
function theS3Server(): S3TestServer {
  const [server] = injectS3Servers();
  if (server === undefined) throw new Error('no S3 server in this run: leave S3LO_TEST_S3 unset or name a server');
  return server;
}
const containers = BlobServiceClient.fromConnectionString(azurite.connectionString);

/** The environment that points each backend at its server, and nothing else of the caller's cloud settings. */
function storeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) if (/^(AWS_(?!CA_BUNDLE$)|AZURE_|GOOGLE_|STORAGE_EMULATOR_HOST$)/.test(name)) delete env[name];
  return {
    ...env,
    STORAGE_EMULATOR_HOST: gcs.endpoint,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}

/** Runs the CLI with `-o json`, expects exit 0 and returns the parsed result. */
function s3lo<T>(args: readonly string[], cwd: string): Promise<T> {
  const child = spawn(process.execPath, [CLI, ...args, '-o', 'json'], { cwd, env: storeEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        expect(code, `s3lo ${args.join(' ')}\n${stderr}`).toBe(0);
        resolve(JSON.parse(stdout) as T);
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The emulator lists out of UTF-8 order: on gs:// the backend lists client-side (as gcs-e2e does). */
const listingOptions = (bucketUrl: string): string[] => (bucketUrl.startsWith('gs://') ? ['--store-option', 'clientSideListing=true'] : []);

interface Transfer {
  digest: string;
  blobsCopied: number;
  blobsSkipped: number;
  bytesCopied: number;
}

const unique = (label: string): string => `s3lo-x-${label}-${randomBytes(3).toString('hex')}`;
const sum = (blobs: readonly Desc[]): number => blobs.reduce((total, b) => total + b.size, 0);
/** What a copy counts in `blobsCopied`/`blobsSkipped`: configs and layers (an index's child manifests are written beside them, not counted). */
const counted = (blobs: readonly Desc[]): Desc[] => blobs.filter((b) => b.mediaType !== OCI_MANIFEST);

describe(`cross-cloud: gs (${gcs.kind}), az (azurite), s3 (${s3.kind}), local`, () => {
  let work: string;
  let image: { index: Desc; blobs: Desc[] };
  const azContainers = [unique('az1'), unique('az2')];
  let s3Buckets: string[];
  /** The hops there and back, as bucket URLs (`//` ends a local bucket's path). */
  let hops: string[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 's3lo-cross-cloud-'));
    image = await writeMultiPlatformImage(join(work, 'src'));
    for (const name of azContainers) await containers.getContainerClient(name).create();
    s3Buckets = [await s3.createBucket(), await s3.createBucket()];
    hops = [
      `gs://${unique('gs1')}`,
      `az://${azContainers[0]}`,
      `s3://${s3Buckets[0]}`,
      `local://${join(work, 'local')}/`,
      `s3://${s3Buckets[1]}`,
      `az://${azContainers[1]}`,
      `gs://${unique('gs2')}`,
    ];
  });
  afterAll(async () => {
    // The servers (and their files) go with the global setups; Azurite keeps its containers in memory until then.
    for (const name of azContainers) await containers.getContainerClient(name).deleteIfExists();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  async function expectSound(bucketUrl: string): Promise<void> {
    const verified = await s3lo<{ sound: boolean }>(['verify', bucketUrl, ...listingOptions(bucketUrl)], work);
    expect(verified.sound, bucketUrl).toBe(true);
  }

  it('pushes to gs://, copies gs -> az -> s3 -> local -> s3 -> az -> gs with the digest kept and verify sound at each hop, pulls back byte-exact', async () => {
    const first = hops[0] as string;
    const pushed = await s3lo<Transfer & { platforms: string[] }>(['push', 'oci:./src:v1', `${first}/app:v1`], work);
    expect(pushed).toMatchObject({ digest: image.index.digest, blobsCopied: counted(image.blobs).length, platforms: ['linux/amd64', 'linux/arm64/v8'] });
    await expectSound(first);
    for (let i = 1; i < hops.length; i++) {
      const from = `${hops[i - 1]}/app:v1`;
      const to = `${hops[i]}/app:v1`;
      const copied = await s3lo<Transfer>(['copy', from, to], work);
      // Every hop lands in a bucket of its own: every blob streams, verified on the way.
      expect(copied, `${from} -> ${to}`).toMatchObject({ digest: image.index.digest, blobsCopied: counted(image.blobs).length, blobsSkipped: 0, bytesCopied: sum(counted(image.blobs)) });
      const inspected = await s3lo<{ digest: string }>(['inspect', to], work);
      expect(inspected.digest, to).toBe(image.index.digest);
      await expectSound(hops[i] as string);
    }

    await s3lo(['pull', `${hops.at(-1)}/app:v1`, 'oci:./out:v1'], work);
    const out = join(work, 'out');
    const expected = [image.index, ...image.blobs].map((b) => b.digest.slice('sha256:'.length)).sort();
    expect((await readdir(join(out, 'blobs', 'sha256'))).sort()).toEqual(expected);
    for (const blob of [image.index, ...image.blobs]) {
      expect((await readFile(blobPath(out, blob.digest))).equals(await readFile(blobPath(join(work, 'src'), blob.digest))), blob.digest).toBe(true);
    }
    const top = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: Desc[] };
    expect(top.manifests.map((m) => m.digest)).toEqual([image.index.digest]);
  });

  /** A new, empty bucket of the store (the emulator makes a gs:// bucket on its first write). */
  async function freshBucket(scheme: string): Promise<string> {
    if (scheme === 'gs') return `gs://${unique('gs')}`;
    if (scheme === 's3') return `s3://${await s3.createBucket()}`;
    const name = unique('az');
    azContainers.push(name);
    await containers.getContainerClient(name).create();
    return `az://${name}`;
  }

  /**
   * Core's copy moves no blob the destination holds (content addressing):
   * a copy to another image of the same bucket writes only the tag, so
   * there is nothing for a server-side copy to do. The backends' `copy`
   * (capability `serverSideCopy`) works inside one bucket only, and core's
   * copy does not call it (no sink implements `copyBlobFrom`): a copy to
   * another bucket of the same store streams every blob through this
   * process, verified like any other copy.
   */
  it.each(['gs', 'az', 's3'])('copies inside one %s store: to another image no blob moves; to another bucket every blob, sound', async (scheme) => {
    const there = hops.find((hop) => hop.startsWith(`${scheme}://`)) as string;
    const sameBucket = await s3lo<Transfer>(['copy', `${there}/app:v1`, `${there}/other/app:v2`], work);
    expect(sameBucket).toMatchObject({ digest: image.index.digest, blobsCopied: 0, blobsSkipped: counted(image.blobs).length, bytesCopied: 0 });
    expect((await s3lo<{ digest: string }>(['inspect', `${there}/other/app:v2`], work)).digest).toBe(image.index.digest);
    await expectSound(there);

    const other = await freshBucket(scheme);
    const otherBucket = await s3lo<Transfer>(['copy', `${there}/app:v1`, `${other}/app:v3`], work);
    expect(otherBucket).toMatchObject({ digest: image.index.digest, blobsCopied: counted(image.blobs).length, blobsSkipped: 0, bytesCopied: sum(counted(image.blobs)) });
    expect((await s3lo<{ digest: string }>(['inspect', `${other}/app:v3`], work)).digest).toBe(image.index.digest);
    await expectSound(other);
  });

  it('stats and gc on az:// after a delete: a tag still referencing the blobs keeps them, the last delete frees them all', async () => {
    const bucket = hops[1] as string;
    // az1 holds app:v1 (the way there) and other/app:v2 (the copy inside it).
    const before = await s3lo<{ images: number; tags: number; uniqueBlobs: number; actualBytes: number }>(['stats', bucket], work);
    expect(before).toMatchObject({ images: 2, tags: 2, uniqueBlobs: image.blobs.length, actualBytes: sum(image.blobs) });

    await s3lo(['delete', `${bucket}/app:v1`], work);
    const kept = await s3lo<{ deleted: number }>(['clean', bucket, '--confirm', '--grace', '0s'], work);
    expect(kept.deleted).toBe(0);
    expect(await s3lo<{ images: number; tags: number; uniqueBlobs: number }>(['stats', bucket], work)).toMatchObject({ images: 1, tags: 1, uniqueBlobs: image.blobs.length });

    await s3lo(['delete', `${bucket}/other/app:v2`], work);
    const freed = await s3lo<{ deleted: number }>(['clean', bucket, '--confirm', '--grace', '0s'], work);
    expect(freed.deleted).toBe(image.blobs.length);
    expect(await s3lo<{ images: number; tags: number; uniqueBlobs: number }>(['stats', bucket], work)).toMatchObject({ images: 0, tags: 0, uniqueBlobs: 0 });
    const keys: string[] = [];
    for await (const blob of containers.getContainerClient(azContainers[0] as string).listBlobsFlat()) keys.push(blob.name);
    expect(keys.filter((key) => key.startsWith('blobs/') || key.startsWith('manifests/'))).toEqual([]);
  });
});
