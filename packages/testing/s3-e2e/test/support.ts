/**
 * Shared pieces of the S3 end-to-end tests: the Ceph server of the run, a
 * plugin registry with s3:// and local://, backend options, bucket
 * inspection with the plain SDK, and OCI layouts written in code (real tar
 * layers of random bytes streamed to disk, never held in memory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AbortMultipartUploadCommand, DeleteBucketCommand, DeleteObjectsCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import localBackend from '@s3lo/backend-local';
import s3Backend from '@s3lo/backend-s3';
import { PluginRegistry } from '@s3lo/core';
import type { BucketStore } from '@s3lo/core/image';
import { createS3Client, type S3TestServer } from '@s3lo/s3-servers';
import { injectS3Server } from '@s3lo/s3-servers/vitest';
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, blobPath, startLayout, writeBlob, writeImage, writeIndexJson, type Desc, type ImageParts } from '@s3lo/oci-fixtures';

export { LAYER_TAR, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, blobPath, sha256, type Desc, type ImageParts } from '@s3lo/oci-fixtures';
export const MiB = 1024 * 1024;

/** The Ceph RGW of this run, or undefined when S3LO_TEST_S3 leaves it out (the suites then skip). */
export function cephServer(): S3TestServer | undefined {
  return injectS3Server('ceph-rgw');
}

/** A registry of its own: s3:// and local://, no global state. */
export function makeRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  registry.registerBackend(s3Backend);
  registry.registerBackend(localBackend);
  return registry;
}

/** What push/pull/copy/list/... get as `backendOptions` for the server. */
export function backendOptions(server: S3TestServer): Record<string, unknown> {
  return {
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    conditionalCreate: server.capabilities.conditionalCreate,
  };
}

const admins = new Map<string, S3Client>();

/** A plain SDK client with the server's credentials, for inspection. */
export function adminClient(server: S3TestServer): S3Client {
  let client = admins.get(server.endpoint);
  if (client === undefined) {
    client = createS3Client(server);
    admins.set(server.endpoint, client);
  }
  return client;
}

/** Every key in the bucket, sorted. */
export async function listKeys(server: S3TestServer, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await adminClient(server).send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys.sort();
}

/** Multipart uploads in progress in the bucket. */
export async function pendingUploads(server: S3TestServer, bucket: string): Promise<{ key: string; uploadId: string }[]> {
  const output = await adminClient(server).send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (output.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' }));
}

/** Empties and deletes a bucket (frees the memstore for the next tests). */
export async function removeBucket(server: S3TestServer, bucket: string): Promise<void> {
  const client = adminClient(server);
  for (const upload of await pendingUploads(server, bucket)) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }));
  }
  const keys = await listKeys(server, bucket);
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000).map((Key) => ({ Key }));
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** A bucket to run the same scenario on: a local directory, or a fresh bucket of the run's Ceph RGW. */
export interface BucketTarget {
  readonly name: string;
  /** `scheme://bucket/` as users type it. */
  readonly url: string;
  readonly options: { registry: PluginRegistry; backendOptions?: Record<string, unknown> };
  /** Every key in the bucket, sorted. */
  keys(): Promise<string[]>;
  remove(): Promise<void>;
}

/** The targets of this run, for `describe.each(bucketTargets(registry))('$name: ...', ({ make }) => ...)`: local always, Ceph when it runs. */
export function bucketTargets(registry: PluginRegistry): { name: string; make: () => Promise<BucketTarget> }[] {
  const targets = [{ name: 'local', make: () => localTarget(registry) }];
  const server = cephServer();
  if (server !== undefined) targets.push({ name: 'ceph-rgw', make: () => cephTarget(server, registry) });
  return targets;
}

async function localTarget(registry: PluginRegistry): Promise<BucketTarget> {
  const dir = await makeTempDir('local-bucket');
  const root = join(dir, 'bucket');
  return {
    name: 'local',
    url: `local://${root}//`,
    options: { registry },
    async keys() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
        .sort();
    },
    remove: () => removeDir(dir),
  };
}

async function cephTarget(server: S3TestServer, registry: PluginRegistry): Promise<BucketTarget> {
  const bucket = await server.createBucket();
  return {
    name: 'ceph-rgw',
    url: `s3://${bucket}/`,
    options: { registry, backendOptions: backendOptions(server) },
    keys: () => listKeys(server, bucket),
    remove: () => removeBucket(server, bucket),
  };
}

/** Writes a small image of its own (a fresh config and a 1 KiB layer) and tags it `image:tag`, or tags the given manifest (its blobs already there). */
export async function seedImage(store: BucketStore, name: string, tag: string, manifest?: Buffer): Promise<{ bytes: Buffer; digest: string }> {
  const digestOf = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (manifest === undefined) {
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] }, name, tag, salt: randomBytes(8).toString('hex') }));
    const layer = randomBytes(1024);
    for (const blob of [config, layer]) await store.putBlob(digestOf(blob), blob.length, blob);
    manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: digestOf(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(layer), size: layer.length }],
      }),
    );
  }
  await store.writeTag(name, tag, manifest);
  return { bytes: manifest, digest: digestOf(manifest) };
}

export function blobKeyOf(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

export function tagKeyOf(image: string, tag: string): string {
  return `manifests/${image}/${tag}/manifest.json`;
}

export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `s3lo-s3e2e-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

// ------------------------------------------------------------------ the CLI

/** The built `s3lo` of @s3lo/cli. */
export const CLI = join(dirname(createRequire(import.meta.url).resolve('@s3lo/cli/package.json')), 'dist', 's3lo.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI with the given S3 credentials in its environment (and no other AWS_* settings but the CA bundle). */
export function s3lo(args: string[], credentials: { accessKeyId: string; secretAccessKey: string } | null, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startS3lo(args, credentials, extraEnv).done;
}

/** {@link s3lo}, returning the child at once (for tests that signal it mid-run) and its outcome. */
export function startS3lo(
  args: string[],
  credentials: { accessKeyId: string; secretAccessKey: string } | null,
  extraEnv: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_') || name === 'AWS_CA_BUNDLE') env[name] = value;
  if (credentials !== null) Object.assign(env, { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey });
  Object.assign(env, { NO_COLOR: '1' }, extraEnv);
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }));
  });
  return { child, done };
}

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Every file under `dir`, relative, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

// ---------------------------------------------------------------- OCI layouts

/** Layers of these sizes, their files named file-0.bin, file-1.bin, ... */
const named = (sizes: readonly number[]) => sizes.map((size, i) => ({ name: `file-${i}.bin`, size }));

export interface SingleImage extends ImageParts {
  readonly ref: string;
  readonly dir: string;
}

/** A single-platform linux/amd64 image in an OCI layout at `dir`: one tar layer per size, plus a config. */
export async function makeImage(dir: string, layerSizes: readonly number[], tag = 'v1'): Promise<SingleImage> {
  await startLayout(dir);
  const parts = await writeImage(dir, named(layerSizes), { os: 'linux', architecture: 'amd64' });
  await writeIndexJson(dir, parts.manifest, tag);
  return { ref: `oci:${dir}:${tag}`, dir, ...parts };
}

export interface MultiImage {
  readonly ref: string;
  readonly dir: string;
  readonly index: Desc;
  readonly indexBytes: Buffer;
  /** Child manifests: linux/amd64, linux/arm64, then the attestation. */
  readonly children: readonly ImageParts[];
  /** Every blob the index references (children, configs, layers), without the index itself. */
  readonly blobs: readonly Desc[];
  /** The configs and layers only: what copy results count (child manifests are written, not counted). */
  readonly contents: readonly Desc[];
}

/**
 * An OCI index of two platforms (linux/amd64, linux/arm64) and a
 * BuildKit-style attestation entry: a manifest whose layer is an in-toto
 * statement, listed as platform unknown/unknown with
 * `vnd.docker.reference.type: attestation-manifest`.
 */
export async function makeMultiPlatformImage(dir: string, tag = 'v1'): Promise<MultiImage> {
  await startLayout(dir);
  const amd64 = await writeImage(dir, named([3000, 40_000]), { os: 'linux', architecture: 'amd64' });
  const arm64 = await writeImage(dir, named([3001, 40_001]), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  const statement = await writeBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: 'https://slsa.dev/provenance/v0.2',
        subject: [{ name: 'app', digest: { sha256: amd64.manifest.digest.slice(7) } }],
        predicate: { builder: { id: 's3lo-s3-e2e' } },
      }),
    ),
    'application/vnd.in-toto+json',
  );
  const attConfig = await writeBlob(
    dir,
    Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [statement.digest] } })),
    OCI_CONFIG,
  );
  const attLayers: Desc[] = [{ ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }];
  const attBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: attConfig, layers: attLayers }));
  const attManifest = await writeBlob(dir, attBytes, OCI_MANIFEST);
  const attestation: ImageParts = { manifest: attManifest, manifestBytes: attBytes, config: attConfig, layers: attLayers };
  const entries: Desc[] = [
    { ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } },
    { ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    {
      ...attManifest,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': amd64.manifest.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    },
  ];
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }));
  const index = await writeBlob(dir, indexBytes, OCI_INDEX);
  await writeIndexJson(dir, index, tag);
  const children = [amd64, arm64, attestation];
  const blobs = children.flatMap((c) => [c.manifest, c.config, ...c.layers]);
  const contents = children.flatMap((c) => [c.config, ...c.layers]);
  return { ref: `oci:${dir}:${tag}`, dir, index, indexBytes, children, blobs, contents };
}

/** The manifest (or index) an OCI layout's index.json names by `tag`, as bytes. */
export async function layoutTagBytes(layout: string, tag: string): Promise<Buffer> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Desc[] };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (entry === undefined) throw new Error(`no tag ${tag} in ${layout}/index.json`);
  return readFile(blobPath(layout, entry.digest));
}
