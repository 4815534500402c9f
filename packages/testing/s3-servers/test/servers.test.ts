// The servers started once by the global setup (S3LO_TEST_S3; default Ceph RGW
// and s3rver), reached through inject(): what the S3 backend tests rely on.
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES, createS3Client } from '../src/index.js';
import { injectS3Servers } from '../src/vitest.js';

const servers = injectS3Servers();

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

it('the capability table states what the servers were seen to do', () => {
  expect(CAPABILITIES['ceph-rgw']).toEqual({ conditionalCreate: true, listMultipartUploads: true, delimiterWithMaxKeys: true });
  expect(CAPABILITIES.s3rver).toEqual({ conditionalCreate: false, listMultipartUploads: false, delimiterWithMaxKeys: false });
});

describe.each(servers)('$kind', (server) => {
  let client: S3Client;
  let bucket: string;

  beforeAll(async () => {
    client = createS3Client(server);
    bucket = await server.createBucket();
  });
  afterAll(() => client.destroy());

  it('is on loopback with path-style facts', () => {
    if (server.kind !== 'minio-container') expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.region).toBe('us-east-1');
    expect(server.stop).toBeTypeOf('function');
  });

  it('createBucket takes a given name', async () => {
    const name = `s3lo-named-${Date.now().toString(36)}`;
    expect(await server.createBucket(name)).toBe(name);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: name }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('PutObject, GetObject and ListObjectsV2 round-trip, streamed bodies included', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'rt/small', Body: 'hello' }));
    // A stream of known length: with the default checksum settings the SDK
    // would send it aws-chunked (s3rver stores the framing, Ceph says 411).
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'rt/big', Body: Readable.from([big.subarray(0, 1000), big.subarray(1000)]), ContentLength: big.length }));
    const small = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'rt/small' }));
    expect(await small.Body?.transformToString()).toBe('hello');
    const got = Buffer.from((await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'rt/big' }))).Body?.transformToByteArray()) ?? []);
    expect(got.length).toBe(big.length);
    expect(got.equals(big)).toBe(true);

    for (const key of ['rt/p/1', 'rt/p/2', 'rt/p/3']) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    // Pagination needs continuation tokens (s3rver: --openssl-legacy-provider).
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'rt/', MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(keys).toEqual(['rt/big', 'rt/p/1', 'rt/p/2', 'rt/p/3', 'rt/small']);

    const grouped = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'rt/', Delimiter: '/' }));
    expect((grouped.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['rt/p/']);
    expect((grouped.Contents ?? []).map((o) => o.Key)).toEqual(['rt/big', 'rt/small']);
  });

  it('HeadObject on a missing key is a 404', async () => {
    const error = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'missing' })).catch((e: unknown) => e);
    expect(statusOf(error)).toBe(404);
  });

  it(`IfNoneMatch '*' on an existing key: ${CAPABILITIES[server.kind].conditionalCreate ? '412' : 'ignored (overwrites)'}`, async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/k', Body: 'first' }));
    const outcome = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/k', Body: 'second', IfNoneMatch: '*' })).then(
      () => 'written' as const,
      (e: unknown) => e,
    );
    const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'cond/k' }))).Body?.transformToString();
    if (server.capabilities.conditionalCreate) {
      expect(statusOf(outcome)).toBe(412);
      expect((outcome as Error).name).toBe('PreconditionFailed');
      expect(body).toBe('first');
    } else {
      expect(outcome).toBe('written');
      expect(body).toBe('second');
    }
    // A new key is created in both cases.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cond/new', Body: 'x', IfNoneMatch: '*' }));
  });

  it(`ListMultipartUploads: ${CAPABILITIES[server.kind].listMultipartUploads ? 'lists uploads in progress' : 'not supported'}`, async () => {
    const list = () => client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'mpu/' }));
    if (!server.capabilities.listMultipartUploads) {
      if (server.kind === 's3rver') expect(statusOf(await list().catch((e: unknown) => e))).toBe(501);
      return;
    }
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mpu/a' }));
    const listed = await list();
    expect((listed.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([['mpu/a', UploadId]]);
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mpu/a', UploadId }));
    expect((await list()).Uploads ?? []).toEqual([]);
  });

  it(`MaxKeys with a Delimiter: ${CAPABILITIES[server.kind].delimiterWithMaxKeys ? 'applied' : 'ignored'}`, async () => {
    for (const key of ['dl/a/1', 'dl/b/1', 'dl/c', 'dl/d']) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dl/', Delimiter: '/', MaxKeys: 2 }));
    const returned = (page.Contents ?? []).length + (page.CommonPrefixes ?? []).length;
    if (server.capabilities.delimiterWithMaxKeys) {
      expect(returned).toBe(2);
      expect(page.IsTruncated).toBe(true);
    } else {
      expect(returned).toBe(4);
    }
  });
});
