import { randomBytes } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { awsSdk } from './aws-sdk.js';
import type { S3ServerInfo, S3TestServer } from './types.js';

/**
 * S3 client settings that work on every server here.
 *
 * - `requestChecksumCalculation`/`responseChecksumValidation: 'WHEN_REQUIRED'`:
 *   by default SDK v3 sends streamed PutObject bodies `aws-chunked` with a
 *   CRC32 trailer; s3rver stores the framing as data (silent corruption) and
 *   Ceph answers 411. Streams of unknown length must go through
 *   `@aws-sdk/lib-storage` `Upload`.
 * - `forcePathStyle`: the servers answer on an IP address, so no virtual-host
 *   bucket names.
 * - Explicit credentials and endpoint: AWS_* variables of the machine (profiles,
 *   AWS_ENDPOINT_URL...) must not leak in.
 */
export function s3ClientConfig(server: S3ServerInfo): S3ClientConfig {
  return {
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  };
}

export function createS3Client(server: S3ServerInfo): S3Client {
  return new awsSdk.S3Client(s3ClientConfig(server));
}

let bucketCounter = 0;

/** A valid, unique bucket name: `s3lo-test-<time>-<n>-<random>` (lowercase, < 63 chars). */
export function uniqueBucketName(prefix = 's3lo-test'): string {
  bucketCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${bucketCounter}-${randomBytes(3).toString('hex')}`;
}

/**
 * Turns connection facts into an S3TestServer: createBucket goes through a
 * plain SDK call on a client made on first use; `stop` is given by the owner.
 */
export function withBucketHelper(info: S3ServerInfo, stop: () => Promise<void>): S3TestServer {
  let client: S3Client | undefined;
  return {
    ...info,
    capabilities: { ...info.capabilities },
    async createBucket(name?: string): Promise<string> {
      const bucket = name ?? uniqueBucketName();
      client ??= createS3Client(info);
      await client.send(new awsSdk.CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    async stop(): Promise<void> {
      client?.destroy();
      client = undefined;
      await stop();
    },
  };
}

/** The plain-data part of a server (what globalSetup provides to test files). */
export function serverInfo(server: S3ServerInfo): S3ServerInfo {
  const info: S3ServerInfo = {
    kind: server.kind,
    endpoint: server.endpoint,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    capabilities: { ...server.capabilities },
  };
  if (server.dir !== undefined) info.dir = server.dir;
  return info;
}
