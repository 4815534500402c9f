/**
 * Behaviour no local S3 server shows: AWS region discovery (301 +
 * x-amz-bucket-region), throttling (503 SlowDown, 429), an endpoint that is
 * down, a response body cut off mid-way. A tiny HTTP server plays the part.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '@s3lo/core/storage';
import { clearRegionCache } from '../src/client.js';
import { S3Backend } from '../src/index.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let endpoint: string;
let handler: Handler = (_request, response) => response.writeHead(500).end();
const seen: { method: string; url: string; region: string | undefined }[] = [];
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

beforeAll(async () => {
  server = createServer((request, response) => {
    const scope = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(request.headers.authorization ?? '');
    seen.push({ method: request.method ?? '', url: request.url ?? '', region: scope?.[1] });
    request.resume();
    request.on('end', () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  seen.length = 0;
});

const LIST_OK =
  '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>a</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>3</Size></Contents></ListBucketResult>';

function s3Error(code: string, status: number): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>m</Message></Error>`);
  };
}

describe('region discovery (no region configured anywhere)', () => {
  const saved: Record<string, string | undefined> = {};
  const cleared = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'];
  beforeAll(() => {
    for (const name of [...cleared, 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) saved[name] = process.env[name];
    for (const name of cleared) delete process.env[name];
    process.env['AWS_CONFIG_FILE'] = '/nonexistent/s3lo-test-config';
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/s3lo-test-credentials';
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('asks HeadBucket once, takes x-amz-bucket-region from the 301, signs with it, and caches it per bucket', async () => {
    clearRegionCache();
    handler = (request, response) => {
      if (request.method === 'HEAD' && request.url?.startsWith('/far-bucket/key')) {
        response.writeHead(200, { 'content-length': '3', 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT' }).end();
      } else if (request.method === 'HEAD') {
        response.writeHead(301, { 'x-amz-bucket-region': 'eu-central-1' }).end();
      } else {
        response.writeHead(500).end();
      }
    };
    // Not an S3-compatible endpoint: the AWS path (discovery), pointed at the fake through the escape hatch.
    const options = { credentials, clientConfig: { endpoint, forcePathStyle: true } };
    const first = new S3Backend('far-bucket', options);
    const info = await first.stat('key');
    expect(info.size).toBe(3);
    const second = new S3Backend('far-bucket', options);
    await second.stat('key');
    const heads = seen.filter((request) => request.url === '/far-bucket/' || request.url === '/far-bucket');
    expect(heads.length, 'HeadBucket requests for two backends of one bucket').toBe(1);
    expect(heads[0]?.region, 'the discovery request is signed for us-east-1').toBe('us-east-1');
    const objectRequests = seen.filter((request) => request.url?.startsWith('/far-bucket/key'));
    expect(objectRequests.map((request) => request.region)).toEqual(['eu-central-1', 'eu-central-1']);
    await first.close();
    await second.close();
  });

  it('a configured region is used as is, without discovery', async () => {
    handler = (_request, response) => response.writeHead(200, { 'content-length': '1', 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT' }).end();
    const backend = new S3Backend('near-bucket', { credentials, region: 'ap-south-1', clientConfig: { endpoint, forcePathStyle: true } });
    await backend.stat('key');
    expect(seen.map((request) => [request.url, request.region])).toEqual([['/near-bucket/key', 'ap-south-1']]);
    await backend.close();
  });
});

describe('retries', () => {
  for (const [code, status] of [
    ['SlowDown', 503],
    ['TooManyRequestsException', 429],
    ['InternalError', 500],
  ] as const) {
    it(`retries ${status} ${code} with backoff, then succeeds`, async () => {
      let failures = 2;
      handler = (request, response) => {
        if (failures-- > 0) s3Error(code, status)(request, response);
        else response.writeHead(200, { 'content-type': 'application/xml' }).end(LIST_OK);
      };
      const backend = new S3Backend('b', { endpoint, region: 'us-east-1', credentials });
      const page = await backend.list();
      expect(page.objects.map((o) => o.key)).toEqual(['a']);
      expect(seen.length, 'requests').toBe(3);
      await backend.close();
    });
  }

  it('gives up after maxAttempts with a BACKEND_ERROR naming the S3 code', async () => {
    handler = s3Error('SlowDown', 503);
    const backend = new S3Backend('b', { endpoint, region: 'us-east-1', credentials, maxAttempts: 2 });
    const error = await backend.list().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(S3loError.isInstance(error, ErrorCode.BACKEND_ERROR)).toBe(true);
    expect((error as S3loError).details['s3Code']).toBe('SlowDown');
    expect(seen.length).toBe(2);
    await backend.close();
  });

  it('does not retry what retrying cannot fix (403)', async () => {
    handler = s3Error('AccessDenied', 403);
    const backend = new S3Backend('b', { endpoint, region: 'us-east-1', credentials });
    await expect(backend.list()).rejects.toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
    expect(seen.length).toBe(1);
    await backend.close();
  });
});

describe('an endpoint that is down', () => {
  it('fails quickly with a BACKEND_ERROR saying it cannot connect (default retries)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const backend = new S3Backend('b', { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials });
    const error = await backend.stat('key').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(S3loError.isInstance(error, ErrorCode.BACKEND_ERROR), String(error)).toBe(true);
    expect((error as S3loError).message).toContain(`cannot connect to http://127.0.0.1:${port}`);
    expect((error as S3loError).message).toContain('ECONNREFUSED');
    // "Quickly" by design, not by the clock of a busy machine: a refused
    // connection fails at once, so the time to give up is the attempts and
    // the back-off between them, which the SDK reports.
    const metadata = ((error as S3loError).cause as { $metadata?: { attempts?: number; totalRetryDelay?: number } } | undefined)?.$metadata;
    expect(metadata?.attempts, 'attempts').toBe(5);
    expect(metadata?.totalRetryDelay, 'ms of back-off').toBeLessThan(10_000);
    await backend.close();
  });
});

describe('a body cut off mid-way', () => {
  const object = randomBytes(1024 * 1024 + 17);
  const etag = '"fake-etag-1"';

  /** Serves `object` for ranged GETs; the first `cuts` answers break off after `cutAt` bytes of their body. */
  function servingWithCuts(cuts: number, cutAt: number): { ranges: { range: string; ifMatch: string | undefined }[] } {
    const ranges: { range: string; ifMatch: string | undefined }[] = [];
    let left = cuts;
    handler = (request, response) => {
      const range = request.headers.range ?? '';
      ranges.push({ range, ifMatch: request.headers['if-match'] });
      const match = /^bytes=(\d+)-(\d*)$/.exec(range);
      const from = Number(match?.[1] ?? 0);
      const to = match?.[2] ? Math.min(Number(match[2]) + 1, object.length) : object.length;
      response.writeHead(206, {
        'content-range': `bytes ${from}-${to - 1}/${object.length}`,
        'content-length': String(to - from),
        etag,
        'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
      });
      if (left > 0) {
        left--;
        // Half of what was promised, then the connection drops.
        response.write(object.subarray(from, from + Math.min(cutAt, to - from)), () => response.socket?.destroy());
        return;
      }
      response.end(object.subarray(from, to));
    };
    return { ranges };
  }

  async function readAll(backend: S3Backend): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await backend.get('key')) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('is resumed where it stopped, with a GET of the rest pinned to the first ETag', async () => {
    const { ranges } = servingWithCuts(1, 300_000);
    const backend = new S3Backend('b', { endpoint, region: 'us-east-1', credentials });
    expect((await readAll(backend)).equals(object)).toBe(true);
    expect(ranges.length).toBe(2);
    expect(ranges[1]).toEqual({ range: `bytes=300000-${object.length - 1}`, ifMatch: etag });
    await backend.close();
  });

  it('in a parallel download the streamed first range is resumed, the other ranges asked for once', async () => {
    // 256 KiB ranges in parallel: the first answer is the first range, cut
    // after 100,000 bytes; the ranges fetched ahead come whole.
    const { ranges } = servingWithCuts(1, 100_000);
    const backend = new S3Backend('b', { endpoint, region: 'us-east-1', credentials, parallelDownloadThreshold: 256 * 1024, downloadRangeSize: 256 * 1024 });
    expect((await readAll(backend)).equals(object)).toBe(true);
    expect(ranges[0]?.range).toBe(`bytes=0-${256 * 1024 - 1}`);
    expect(ranges).toContainEqual({ range: `bytes=100000-${256 * 1024 - 1}`, ifMatch: etag });
    // Every byte asked for once, but the cut range's rest.
    expect(ranges.length).toBe(Math.ceil(object.length / (256 * 1024)) + 1);
    await backend.close();
  });

  it('a cut range fetched ahead is resumed too, not fetched again whole', async () => {
    const { ranges } = servingWithCuts(0, 0);
    let cutNext = true;
    const serve = handler;
    handler = (request, response) => {
      // Cut the second range (one fetched ahead into memory) after 50,000 bytes.
      if (cutNext && request.headers.range === `bytes=${256 * 1024}-${2 * 256 * 1024 - 1}`) {
        cutNext = false;
        ranges.push({ range: request.headers.range, ifMatch: request.headers['if-match'] });
        response.writeHead(206, { 'content-range': `bytes ${256 * 1024}-${2 * 256 * 1024 - 1}/${object.length}`, 'content-length': String(256 * 1024), etag });
        response.write(object.subarray(256 * 1024, 256 * 1024 + 50_000), () => response.socket?.destroy());
        return;
      }
      serve(request, response);
    };
    const backend = new S3Backend('b', { endpoint, region: 'us-east-1', credentials, parallelDownloadThreshold: 256 * 1024, downloadRangeSize: 256 * 1024 });
    expect((await readAll(backend)).equals(object)).toBe(true);
    expect(ranges).toContainEqual({ range: `bytes=${256 * 1024 + 50_000}-${2 * 256 * 1024 - 1}`, ifMatch: etag });
    await backend.close();
  });

  it('gives up after three cut bodies with a BACKEND_ERROR', async () => {
    servingWithCuts(3, 100_000);
    const backend = new S3Backend('b', { endpoint, region: 'us-east-1', credentials });
    const error = await readAll(backend).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(S3loError.isInstance(error, ErrorCode.BACKEND_ERROR), String(error)).toBe(true);
    await backend.close();
  });
});
