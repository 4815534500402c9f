/**
 * Upload bodies are sent as UNSIGNED-PAYLOAD over https:// (and over http://
 * when `payloadSigning: false`), sparing a SHA-256 pass per uploaded byte;
 * over http:// they are signed by default. Checked on the wire and against
 * the real servers, which must accept both kinds of signature.
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { payloadReadable, payloadSha256, sha256OfStream } from '@s3lo/backend-conformance';
import { createS3Client } from '@s3lo/s3-servers';
import { injectS3Servers } from '@s3lo/s3-servers/vitest';
import { skipPayloadHashing } from '../src/client.js';
import { S3Backend } from '../src/index.js';
import { backendOptions, removeBucket } from './servers.js';

const MiB = 1024 * 1024;
const CONTENT_SHA256 = 'x-amz-content-sha256';

/** Payload hashes of the body-carrying requests, by command, as signed. */
function recordPayloadHashes(client: S3Client): { command: string; hash: string | undefined }[] {
  const seen: { command: string; hash: string | undefined }[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      if (context.commandName === 'PutObjectCommand' || context.commandName === 'UploadPartCommand') {
        seen.push({ command: context.commandName, hash: headers[CONTENT_SHA256] });
      }
      return next(args);
    },
    // After signing: what actually goes out.
    { step: 'finalizeRequest', priority: 'low', name: 'testPayloadHashRecorder' },
  );
  return seen;
}

describe.each(injectS3Servers())('payload signing on $kind (http://)', (server) => {
  let bucket: string;
  let client: S3Client;
  beforeEach(async () => {
    bucket = await server.createBucket();
    client = createS3Client(server);
  });
  afterEach(async () => {
    client.destroy();
    await removeBucket(server, bucket);
  });

  async function roundTrip(payloadSigning: boolean | undefined) {
    skipPayloadHashing(client, payloadSigning);
    const seen = recordPayloadHashes(client);
    const backend = new S3Backend(bucket, { ...backendOptions(server), client, multipartThreshold: 6 * MiB, partSize: 5 * MiB });
    const sizes = { single: 1 * MiB + 7, multi: 11 * MiB + 3 };
    for (const [key, size] of Object.entries(sizes)) {
      await backend.put(key, payloadReadable(key, size), { size });
      expect(await sha256OfStream(await backend.get(key)), key).toEqual({ size, sha256: payloadSha256(key, size) });
    }
    await backend.close();
    return seen;
  }

  it('payloadSigning false: PutObject and every UploadPart go out UNSIGNED-PAYLOAD, and the store takes them', async () => {
    const seen = await roundTrip(false);
    expect(seen.map((s) => s.command).sort()).toEqual(['PutObjectCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand']);
    for (const request of seen) expect(request.hash, request.command).toBe('UNSIGNED-PAYLOAD');
  });

  it('by default over http:// the bodies are signed with their SHA-256', async () => {
    const seen = await roundTrip(undefined);
    expect(seen.length).toBe(4);
    for (const request of seen) expect(request.hash, request.command).toMatch(/^[0-9a-f]{64}$/);
    const single = seen.find((s) => s.command === 'PutObjectCommand');
    expect(single?.hash).toBe(payloadSha256('single', 1 * MiB + 7));
  });
});

// No TLS server runs here: a client pointed at an https:// address whose
// request is stopped (after signing) before it leaves: a test double for
// the network only, the SDK's signing runs for real.
describe('payload signing over https://', () => {
  async function signedHash(payloadSigning: boolean | undefined): Promise<string | undefined> {
    const client = new S3Client({ endpoint: 'https://s3.example.invalid', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    skipPayloadHashing(client, payloadSigning);
    let hash: string | undefined;
    client.middlewareStack.add(
      (_next, _context) => async (args) => {
        hash = (args.request as { headers: Record<string, string> }).headers[CONTENT_SHA256];
        throw new Error('stopped before sending');
      },
      { step: 'finalizeRequest', priority: 'low', name: 'testStopAfterSigning' },
    );
    await expect(client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.from('hello') }))).rejects.toThrow('stopped before sending');
    client.destroy();
    return hash;
  }

  it('bodies are not hashed by default', async () => {
    expect(await signedHash(undefined)).toBe('UNSIGNED-PAYLOAD');
    expect(await signedHash(false)).toBe('UNSIGNED-PAYLOAD');
  });

  it('payloadSigning true signs them', async () => {
    expect(await signedHash(true)).toBe(createHash('sha256').update('hello').digest('hex'));
  });
});
