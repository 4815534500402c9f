import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client, type S3ServerKind, type S3TestServer } from '@s3lo/s3-servers';
import { injectS3Server } from '@s3lo/s3-servers/vitest';
import { S3Backend, type S3BackendOptions } from '../src/index.js';

/** The server of that kind in this run (S3LO_TEST_S3), or undefined when the run leaves it out. */
export function testServer(kind: S3ServerKind): S3TestServer | undefined {
  return injectS3Server(kind);
}

/**
 * Backend options for a test server: its endpoint and credentials, and what
 * the harness says the server can do. s3rver's listings follow its own
 * directory walk, not UTF-8 byte order, and ignore MaxKeys with a
 * delimiter: the backend pages client-side there.
 */
export function backendOptions(server: S3TestServer, extra: S3BackendOptions = {}): S3BackendOptions {
  return {
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    conditionalCreate: server.capabilities.conditionalCreate,
    pendingUploads: server.capabilities.listMultipartUploads,
    clientSideListing: server.kind === 's3rver',
    // Quick failures in tests; the servers are on loopback.
    maxAttempts: 3,
    ...extra,
  };
}

const admins = new Map<string, S3Client>();

/** A plain SDK client with the server's admin credentials, for set-up and inspection. */
export function adminClient(server: S3TestServer): S3Client {
  let client = admins.get(server.endpoint);
  if (client === undefined) {
    client = createS3Client(server);
    admins.set(server.endpoint, client);
  }
  return client;
}

/** Multipart uploads in progress in a bucket (servers with ListMultipartUploads only). */
export async function pendingUploads(server: S3TestServer, bucket: string): Promise<{ key: string; uploadId: string }[]> {
  const output = await adminClient(server).send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (output.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' }));
}

/** What a put killed mid-upload leaves: a multipart upload with one part sent, never completed nor aborted. */
export async function leaveMultipartUpload(server: S3TestServer, bucket: string, key: string): Promise<string> {
  const client = adminClient(server);
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.from('half of a blob') }));
  return UploadId as string;
}

/** Empties and deletes a bucket: objects, multipart uploads in progress, policy. */
export async function removeBucket(server: S3TestServer, bucket: string): Promise<void> {
  const client = adminClient(server);
  if (server.capabilities.listMultipartUploads) {
    for (const upload of await pendingUploads(server, bucket)) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.key, UploadId: upload.uploadId }));
    }
  }
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
    if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** A fresh bucket on the server and a backend bound to it; `remove` deletes the bucket. */
export async function freshBackend(server: S3TestServer, extra: S3BackendOptions = {}): Promise<{ backend: S3Backend; bucket: string; remove(): Promise<void> }> {
  const bucket = await server.createBucket();
  const backend = new S3Backend(bucket, backendOptions(server, extra));
  return {
    backend,
    bucket,
    async remove() {
      await backend.close();
      await removeBucket(server, bucket);
    },
  };
}

/**
 * Makes deleting `key` fail with AccessDenied: a bucket policy that denies
 * s3:DeleteObject on it (Ceph RGW applies an explicit deny to the owner
 * too). Returns the undo.
 */
export async function denyDelete(server: S3TestServer, bucket: string, key: string): Promise<() => Promise<void>> {
  const client = adminClient(server);
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: '*', Action: ['s3:DeleteObject'], Resource: [`arn:aws:s3:::${bucket}/${key}`] }],
  };
  await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  return async () => {
    await client.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  };
}
