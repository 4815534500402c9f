/**
 * The stores the harnesses run against, each a fresh bucket per trial:
 * `local://` directories and buckets on the run's Ceph RGW. Besides the
 * references and options s3lo needs, a bucket gives raw access to its
 * objects that does not go through s3lo (node:fs, the plain AWS SDK): the
 * harnesses check and tamper with what is really stored.
 */
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import localBackend from '@s3lo/backend-local';
import s3Backend from '@s3lo/backend-s3';
import { PluginRegistry } from '@s3lo/core';
import { createS3Client, type S3TestServer } from '@s3lo/s3-servers';
import { injectS3Server } from '@s3lo/s3-servers/vitest';
import archiveTransports from '@s3lo/transport-archive';

/** A registry of its own: local://, s3:// and the archive transports, no global state. */
export function makeRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  registry.registerBackend(localBackend);
  registry.registerBackend(s3Backend);
  registry.registerTransport(archiveTransports);
  return registry;
}

/** One bucket of one store, fresh for a trial. */
export interface Bucket {
  /** `local` or the S3 server's kind. */
  readonly target: string;
  /** The bucket-level reference (list, gc, stats). */
  readonly url: string;
  /** An image reference into this bucket. */
  ref(image: string, tag: string): string;
  /** What the library's operations need besides the reference. */
  readonly backendOptions: Record<string, unknown>;
  /** Extra CLI arguments for this store (endpoint, region, store options). */
  readonly cliArgs: readonly string[];
  /** Extra environment for the CLI (credentials). */
  readonly cliEnv: Readonly<Record<string, string>>;
  /** Every object key, sorted; for a directory, hidden files (unfinished writes) are not objects. */
  keys(): Promise<string[]>;
  /** What unfinished writes left: hidden temporary files, or pending multipart uploads. */
  leftovers(): Promise<string[]>;
  read(key: string): Promise<Buffer>;
  write(key: string, bytes: Buffer): Promise<void>;
  remove(key: string): Promise<void>;
  dispose(): Promise<void>;
}

/** Where trials get their buckets. */
export interface Target {
  readonly name: string;
  newBucket(label: string): Promise<Bucket>;
}

/** The targets of this run: local:// always, Ceph RGW when the run has it. */
export function targets(): Target[] {
  const list: Target[] = [localTarget()];
  const ceph = injectS3Server('ceph-rgw');
  if (ceph !== undefined) list.push(s3Target(ceph));
  return list;
}

export function localTarget(): Target {
  return {
    name: 'local',
    async newBucket(label: string): Promise<Bucket> {
      const parent = await mkdtemp(join(tmpdir(), `s3lo-hostile-${label}-`));
      return localBucket(join(parent, 'bucket'), parent);
    },
  };
}

/** A local:// bucket in `dir` (created on first write); dispose removes `owned`. */
export function localBucket(dir: string, owned: string): Bucket {
  const path = (key: string) => join(dir, ...key.split('/'));
  const all = async (): Promise<string[]> => {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return entries
      .filter((e) => !e.isDirectory())
      .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort();
  };
  const hidden = (key: string) => key.split('/').some((part) => part.startsWith('.'));
  return {
    target: 'local',
    url: `local://${dir}//`,
    ref: (image, tag) => `local://${dir}//${image}:${tag}`,
    backendOptions: {},
    cliArgs: [],
    cliEnv: {},
    keys: async () => (await all()).filter((key) => !hidden(key)),
    leftovers: async () => (await all()).filter(hidden),
    read: (key) => readFile(path(key)),
    async write(key, bytes) {
      await mkdir(dirname(path(key)), { recursive: true });
      await writeFile(path(key), bytes);
    },
    remove: (key) => unlink(path(key)),
    dispose: () => rm(owned, { recursive: true, force: true }),
  };
}

export function s3Target(server: S3TestServer): Target {
  let client: S3Client | undefined;
  return {
    name: server.kind,
    async newBucket(): Promise<Bucket> {
      client ??= createS3Client(server);
      const name = await server.createBucket();
      return s3Bucket(server, client, name);
    },
  };
}

function s3Bucket(server: S3TestServer, client: S3Client, name: string): Bucket {
  const keys = async (): Promise<string[]> => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort();
  };
  const uploads = async () => (await client.send(new ListMultipartUploadsCommand({ Bucket: name }))).Uploads ?? [];
  return {
    target: server.kind,
    url: `s3://${name}`,
    ref: (image, tag) => `s3://${name}/${image}:${tag}`,
    backendOptions: {
      endpoint: server.endpoint,
      region: server.region,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      forcePathStyle: true,
      conditionalCreate: server.capabilities.conditionalCreate,
    },
    cliArgs: ['--endpoint', server.endpoint, '--region', server.region, '--store-option', `conditionalCreate=${server.capabilities.conditionalCreate}`],
    cliEnv: { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey },
    keys,
    leftovers: async () => (await uploads()).map((u) => `multipart upload of ${u.Key ?? '?'}`),
    async read(key) {
      const output = await client.send(new GetObjectCommand({ Bucket: name, Key: key }));
      return Buffer.from(await (output.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    },
    async write(key, bytes) {
      await client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: bytes, ContentLength: bytes.length }));
    },
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
    },
    async dispose() {
      for (const u of await uploads()) await client.send(new AbortMultipartUploadCommand({ Bucket: name, Key: u.Key, UploadId: u.UploadId }));
      const all = await keys();
      for (let i = 0; i < all.length; i += 1000) {
        await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: all.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: name }));
    },
  };
}

export function blobKeyOf(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

export function tagKeyOf(image: string, tag: string): string {
  return `manifests/${image}/${tag}/manifest.json`;
}
