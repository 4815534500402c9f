/**
 * What the conformance suite cannot see from outside the contract: the
 * requests the backend sends (part sizes, headers), multipart uploads left
 * behind, parallel downloads, key encoding, error mapping against real
 * servers. Runs on every S3 server of this run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { payloadBytes, payloadChunks, payloadReadable, payloadSha256, readAll, sha256OfStream } from '@s3lo/backend-conformance';
import { ErrorCode, S3loError } from '@s3lo/core/storage';
import { createS3Client, type S3TestServer } from '@s3lo/s3-servers';
import { injectS3Servers } from '@s3lo/s3-servers/vitest';
import { S3Backend, type S3BackendOptions } from '../src/index.js';
import { backendOptions, leaveMultipartUpload, pendingUploads, removeBucket } from './servers.js';

const MiB = 1024 * 1024;

/** One request as it left the client. */
interface Sent {
  readonly command: string;
  readonly input: Record<string, unknown>;
  readonly headers: Record<string, string>;
}

/** An SDK client for the server that records every request (after signing, once per attempt). */
function recordingClient(server: S3TestServer): { client: S3Client; sent: Sent[] } {
  const client = createS3Client(server);
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = (args as { request?: { headers?: Record<string, string> } }).request;
      sent.push({ command: context.commandName ?? '', input: args.input as Record<string, unknown>, headers: { ...request?.headers } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 's3loTestRecorder', priority: 'low' },
  );
  return { client, sent };
}

function commands(sent: readonly Sent[], name: string): Sent[] {
  return sent.filter((request) => request.command === name);
}

async function* failingAt(seed: string, size: number, failAt: number, error: Error): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of payloadChunks(seed, size)) {
    if (sent + chunk.length > failAt) throw error;
    sent += chunk.length;
    yield chunk;
  }
}

async function* abortingAt(seed: string, size: number, at: number, controller: AbortController): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of payloadChunks(seed, size)) {
    if (sent >= at && !controller.signal.aborted) controller.abort(new Error('aborted by the test'));
    sent += chunk.length;
    yield chunk;
    await yieldToEventLoop();
  }
}

async function rejection(action: Promise<unknown>): Promise<S3loError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!S3loError.isInstance(error)) throw new Error(`expected an S3loError, got ${error === undefined ? 'success' : String(error)}`);
  return error;
}

describe.each(injectS3Servers())('s3 backend on $kind', (server) => {
  let bucket: string;
  let recorder: { client: S3Client; sent: Sent[] };
  const backends: S3Backend[] = [];

  beforeEach(async () => {
    bucket = await server.createBucket();
    recorder = recordingClient(server);
  });

  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.close();
    recorder.client.destroy();
    await removeBucket(server, bucket);
  });

  /** A backend on the test's bucket through the recording client. */
  function recorded(extra: S3BackendOptions = {}): S3Backend {
    const backend = new S3Backend(bucket, { ...backendOptions(server), client: recorder.client, ...extra });
    backends.push(backend);
    return backend;
  }

  /** A backend on the test's bucket with the client it builds itself. */
  function own(extra: S3BackendOptions = {}, name = bucket): S3Backend {
    const backend = new S3Backend(name, backendOptions(server, extra));
    backends.push(backend);
    return backend;
  }

  describe('uploads', () => {
    const small = { multipartThreshold: 6 * MiB, partSize: 5 * MiB };

    for (const sized of [true, false]) {
      it(`above the threshold: a multipart upload with equal parts ${sized ? 'with' : 'without'} a known size`, async () => {
        const backend = recorded(small);
        const size = 17 * MiB + 3;
        await backend.put('multi', payloadReadable('multi', size), sized ? { size } : {});
        const parts = commands(recorder.sent, 'UploadPartCommand').map((request) => [request.input['PartNumber'], request.input['ContentLength']]);
        parts.sort((a, b) => Number(a[0]) - Number(b[0]));
        expect(parts).toEqual([
          [1, 5 * MiB],
          [2, 5 * MiB],
          [3, 5 * MiB],
          [4, 2 * MiB + 3],
        ]);
        expect(commands(recorder.sent, 'PutObjectCommand')).toEqual([]);
        expect(commands(recorder.sent, 'CompleteMultipartUploadCommand').length).toBe(1);
        for (const request of commands(recorder.sent, 'UploadPartCommand')) {
          expect(request.headers['content-encoding'], 'no aws-chunked framing').toBeUndefined();
          expect(request.headers['content-length']).toBe(String(request.input['ContentLength']));
        }
        const read = await sha256OfStream(await backend.get('multi'));
        expect(read).toEqual({ size, sha256: payloadSha256('multi', size) });
      });
    }

    it('at or below the threshold: one PutObject with a Content-Length, no aws-chunked framing', async () => {
      const backend = recorded(small);
      const size = 6 * MiB;
      await backend.put('single', payloadReadable('single', size), { size });
      await backend.put('single-unknown', payloadChunks('single', size));
      const puts = commands(recorder.sent, 'PutObjectCommand');
      expect(puts.map((request) => request.input['ContentLength'])).toEqual([size, size]);
      for (const request of puts) {
        expect(request.headers['content-length']).toBe(String(size));
        expect(request.headers['content-encoding']).toBeUndefined();
        expect(request.headers['x-amz-decoded-content-length']).toBeUndefined();
      }
      expect(commands(recorder.sent, 'CreateMultipartUploadCommand')).toEqual([]);
    });

    for (const [label, fault] of [
      ['a body that fails half way', 'fail'],
      ['an abort half way', 'abort'],
      ['a body shorter than its size', 'short'],
    ] as const) {
      it(`${label} aborts the multipart upload: no object, no upload in progress`, async () => {
        const backend = recorded(small);
        const size = 18 * MiB;
        const controller = new AbortController();
        const put =
          fault === 'fail'
            ? backend.put('broken', failingAt('broken', size, 12 * MiB, new Error('the body failed on purpose')))
            : fault === 'abort'
              ? backend.put('broken', abortingAt('broken', size, 12 * MiB, controller), { signal: controller.signal })
              : backend.put('broken', payloadChunks('broken', size), { size: size + 1 });
        const error = await rejection(put);
        expect(error.code).toBe(fault === 'abort' ? ErrorCode.ABORTED : fault === 'short' ? ErrorCode.SIZE_MISMATCH : ErrorCode.BACKEND_ERROR);
        expect(commands(recorder.sent, 'UploadPartCommand').length, 'parts sent before the failure').toBeGreaterThanOrEqual(1);
        const aborts = commands(recorder.sent, 'AbortMultipartUploadCommand');
        expect(aborts.length, 'AbortMultipartUpload requests').toBe(1);
        expect(commands(recorder.sent, 'CompleteMultipartUploadCommand')).toEqual([]);
        await expect(backend.stat('broken')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
        if (server.capabilities.listMultipartUploads) expect(await pendingUploads(server, bucket)).toEqual([]);
      });
    }

    it('a body failing with an S3loError in a multipart upload rejects with that very error', async () => {
      const backend = recorded(small);
      const digest = new S3loError(ErrorCode.DIGEST_MISMATCH, 'the layer did not hash to its digest');
      const error = await rejection(backend.put('digest', failingAt('digest', 18 * MiB, 13 * MiB, digest)));
      expect(error).toBe(digest);
      if (server.capabilities.listMultipartUploads) expect(await pendingUploads(server, bucket)).toEqual([]);
    });

    it('a conditional put that needs a multipart upload is UNSUPPORTED unless the store checks If-None-Match on completion', async ({ skip }) => {
      if (!server.capabilities.conditionalCreate) skip('the server ignores If-None-Match');
      const backend = recorded(small);
      await expect(backend.put('cond', payloadChunks('cond', 7 * MiB), { ifNoneMatch: '*' })).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED });
      await expect(backend.put('cond', payloadChunks('cond', 7 * MiB), { ifNoneMatch: '*', size: 7 * MiB })).rejects.toMatchObject({
        code: ErrorCode.UNSUPPORTED,
      });
      expect(commands(recorder.sent, 'CreateMultipartUploadCommand')).toEqual([]);
      await backend.put('cond', payloadChunks('cond', 6 * MiB), { ifNoneMatch: '*' });
      await expect(backend.put('cond', Buffer.from('x'), { ifNoneMatch: '*' })).rejects.toMatchObject({ code: ErrorCode.ALREADY_EXISTS });
    });

    it('sends no storage class unless asked; sends the one asked for on puts, multipart uploads and copies', async () => {
      const plain = recorded(small);
      await plain.put('plain/small', Buffer.from('x'));
      await plain.put('plain/big', payloadChunks('big', 7 * MiB));
      await plain.copy('plain/small', 'plain/copied');
      for (const request of recorder.sent) expect(request.headers['x-amz-storage-class'], request.command).toBeUndefined();
      recorder.sent.length = 0;
      const classed = recorded({ ...small, storageClass: (key) => (key.startsWith('blobs/') ? 'STANDARD' : undefined) });
      await classed.put('blobs/small', Buffer.from('x'));
      await classed.put('blobs/big', payloadChunks('big', 7 * MiB));
      await classed.copy('blobs/small', 'blobs/copied');
      await classed.put('manifests/m', Buffer.from('{}'));
      const withClass = recorder.sent.filter((request) => request.headers['x-amz-storage-class'] === 'STANDARD').map((request) => request.command);
      expect(withClass.sort()).toEqual(['CopyObjectCommand', 'CreateMultipartUploadCommand', 'PutObjectCommand']);
    });
  });

  describe('copies', () => {
    // Multipart copies are exercised on small objects by lowering the threshold
    // (5 GiB by default, CopyObject's limit) and the part size.
    const multipartCopy = { copyThreshold: 8 * MiB, copyPartSize: 5 * MiB };
    // s3rver 3.7.1 answers NotImplemented to a part upload with an
    // x-amz-copy-source header (lib/routes.js): it has no UploadPartCopy.
    const noUploadPartCopy = server.kind === 's3rver';

    /** The ETag of a key, as the store reports it (quotes included). */
    async function etagOf(key: string): Promise<string> {
      return (await recorder.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '';
    }

    it('above copyThreshold: UploadPartCopy in equal parts, byte-identical, no upload left; below it one CopyObject', async ({ skip }) => {
      if (noUploadPartCopy) skip('s3rver has no UploadPartCopy (NotImplemented)');
      const size = 21 * MiB + 3;
      const content = randomBytes(size);
      const sha256 = createHash('sha256').update(content).digest('hex');
      // The source goes up in one PutObject, so its own ETag is a plain MD5.
      const backend = recorded({ ...multipartCopy, multipartThreshold: 32 * MiB });
      await backend.put('source', content, { size });
      expect(await etagOf('source')).toMatch(/^"[0-9a-f]{32}"$/);

      recorder.sent.length = 0;
      await backend.copy('source', 'copied-in-parts');
      const ranges = commands(recorder.sent, 'UploadPartCopyCommand').map((request) => [request.input['PartNumber'], request.input['CopySourceRange']]);
      ranges.sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(ranges).toEqual([
        [1, `bytes=0-${5 * MiB - 1}`],
        [2, `bytes=${5 * MiB}-${10 * MiB - 1}`],
        [3, `bytes=${10 * MiB}-${15 * MiB - 1}`],
        [4, `bytes=${15 * MiB}-${20 * MiB - 1}`],
        [5, `bytes=${20 * MiB}-${size - 1}`],
      ]);
      expect(
        commands(recorder.sent, 'UploadPartCopyCommand').every((request) => typeof request.input['CopySourceIfMatch'] === 'string'),
        'parts pinned to the source ETag',
      ).toBe(true);
      expect(commands(recorder.sent, 'CopyObjectCommand')).toEqual([]);
      expect(commands(recorder.sent, 'CompleteMultipartUploadCommand').length).toBe(1);
      expect(await etagOf('copied-in-parts'), 'a multipart object of 5 parts').toMatch(/^"[0-9a-f]{32}-5"$/);
      expect(await sha256OfStream(await backend.get('copied-in-parts'))).toEqual({ size, sha256 });

      recorder.sent.length = 0;
      await recorded().copy('source', 'copied-whole'); // the default threshold: 5 GiB
      expect(commands(recorder.sent, 'CopyObjectCommand').length).toBe(1);
      expect(commands(recorder.sent, 'UploadPartCopyCommand')).toEqual([]);
      expect(await etagOf('copied-whole'), 'one CopyObject: no -N suffix').toMatch(/^"[0-9a-f]{32}"$/);
      expect(await sha256OfStream(await backend.get('copied-whole'))).toEqual({ size, sha256 });

      if (server.capabilities.listMultipartUploads) expect(await pendingUploads(server, bucket)).toEqual([]);
    });

    it('a multipart copy aborted after its first part leaves no object and no upload in progress', async ({ skip }) => {
      if (noUploadPartCopy) skip('s3rver has no UploadPartCopy (NotImplemented)');
      const size = 21 * MiB + 3;
      const setup = own({ multipartThreshold: 32 * MiB });
      await setup.put('source', payloadBytes('abort-copy', size), { size });
      // A part copy of 5 MiB takes milliseconds on loopback: no timer lands
      // reliably between two parts. So the signal fires from the client's
      // middleware, right after the first UploadPartCopy has completed, and
      // one part at a time (partConcurrency 1) leaves nothing in flight then.
      const controller = new AbortController();
      recorder.client.middlewareStack.add(
        (next, context) => async (args) => {
          const output = await next(args);
          if (context.commandName === 'UploadPartCopyCommand' && !controller.signal.aborted) controller.abort(new Error('aborted by the test'));
          return output;
        },
        { step: 'initialize', name: 's3loTestAbortAfterFirstPart' },
      );
      const backend = recorded({ ...multipartCopy, partConcurrency: 1 });
      const error = await rejection(backend.copy('source', 'destination', { signal: controller.signal }));
      expect(error.code, error.message).toBe(ErrorCode.ABORTED);
      expect(commands(recorder.sent, 'UploadPartCopyCommand').length, 'parts copied before the abort').toBe(1);
      expect(commands(recorder.sent, 'AbortMultipartUploadCommand').length, 'AbortMultipartUpload requests').toBe(1);
      expect(commands(recorder.sent, 'CompleteMultipartUploadCommand')).toEqual([]);
      await expect(backend.stat('destination')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      if (server.capabilities.listMultipartUploads) expect(await pendingUploads(server, bucket)).toEqual([]);
      expect((await setup.stat('source')).size, 'the source is untouched').toBe(size);
    });
  });

  describe('memory budget', () => {
    /** Most requests of a command (for one key, if given) in flight at once on the recording client. */
    function peakInFlight(command: string, key?: string): () => number {
      let now = 0;
      let peak = 0;
      recorder.client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== command || (key !== undefined && (args.input as { Key?: string }).Key !== key)) return next(args);
          peak = Math.max(peak, ++now);
          try {
            return await next(args);
          } finally {
            now--;
          }
        },
        { step: 'initialize', name: `testPeak${command}${key ?? ''}` },
      );
      return () => peak;
    }

    it('concurrent multipart uploads share it: one part each, more only while it lasts', async () => {
      const peak = peakInFlight('UploadPartCommand');
      // Room for one part beyond each upload's own; each could send 4 at once.
      const backend = recorded({ multipartThreshold: 5 * MiB, partSize: 5 * MiB, partConcurrency: 4, memoryBudget: 5 * MiB });
      const size = 26 * MiB;
      await Promise.all(['a', 'b', 'c'].map((key) => backend.put(key, payloadReadable(key, size), { size })));
      expect(peak(), 'UploadParts in flight at once').toBeLessThanOrEqual(3 + 1);
      expect(peak()).toBeGreaterThanOrEqual(3);
      for (const key of ['a', 'b', 'c']) expect(await sha256OfStream(await backend.get(key))).toEqual({ size, sha256: payloadSha256(key, size) });
      expect(commands(recorder.sent, 'UploadPartCommand').length).toBe(3 * 6);
    }, 120_000);

    it('concurrent downloads: the first splits into ranges read ahead within the budget, the others read in one GET each', async () => {
      const setup = own();
      const size = 40 * MiB;
      for (const key of ['a', 'b', 'c']) await setup.put(key, payloadReadable(key, size), { size });
      const peak = peakInFlight('GetObjectCommand');
      const peakOfA = peakInFlight('GetObjectCommand', 'a');
      const backend = recorded({ parallelDownloadThreshold: 10 * MiB, downloadRangeSize: 4 * MiB, downloadConcurrency: 4, memoryBudget: 4 * MiB });
      recorder.sent.length = 0;
      // Slow readers: ranges pile up ahead of them as far as the budget lets them.
      const read = async (stream: NodeJS.ReadableStream) => {
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of stream) {
          hash.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
          await yieldToEventLoop();
        }
        return { size: bytes, sha256: hash.digest('hex') };
      };
      const first = await backend.get('a');
      const others = await Promise.all(['b', 'c'].map((key) => backend.get(key)));
      const results = await Promise.all([first, ...others].map(read));
      expect(results).toEqual(['a', 'b', 'c'].map((key) => ({ size, sha256: payloadSha256(key, size) })));
      const gets = commands(recorder.sent, 'GetObjectCommand');
      const of = (key: string) => gets.filter((request) => request.input['Key'] === key).map((request) => request.input['Range']);
      expect(of('a').length, 'the download alone at its start: 4 MiB ranges').toBe(10);
      expect(of('b'), 'started while another ran: one GET').toEqual(['bytes=0-']);
      expect(of('c')).toEqual(['bytes=0-']);
      // a: the range being read, its next one, and one more from the budget
      // (4 MiB: one range; downloadConcurrency alone would allow 4 ahead); b and c: one each.
      expect(peakOfA(), 'GETs of a in flight at once').toBeLessThanOrEqual(3);
      expect(peak(), 'GETs in flight at once').toBeLessThanOrEqual(3 + 2);
    }, 120_000);
  });

  describe('downloads', () => {
    it('a 200 MiB object reads back byte-exact through parallel ranged GETs, read-ahead bounded', async () => {
      const backend = recorded();
      const size = 200 * MiB;
      let started = performance.now();
      await backend.put('big', payloadChunks('big', size));
      const putSeconds = (performance.now() - started) / 1000;
      recorder.sent.length = 0;
      started = performance.now();
      const stream = await backend.get('big');
      const hash = createHash('sha256');
      let consumed = 0;
      let worstAhead = 0;
      const rangeSize = 8 * MiB;
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        consumed += (chunk as Buffer).length;
        const gets = commands(recorder.sent, 'GetObjectCommand').length;
        // GETs started beyond the one being consumed: at most downloadConcurrency (4) ranges ahead.
        worstAhead = Math.max(worstAhead, gets - Math.ceil(consumed / rangeSize));
      }
      const getSeconds = (performance.now() - started) / 1000;
      expect(consumed).toBe(size);
      expect(hash.digest('hex')).toBe(payloadSha256('big', size));
      const gets = commands(recorder.sent, 'GetObjectCommand');
      expect(gets.length).toBe(size / rangeSize);
      expect(gets.every((request) => /^bytes=\d+-\d+$/.test(String(request.input['Range'])))).toBe(true);
      expect(
        gets.slice(1).every((request) => typeof request.input['IfMatch'] === 'string'),
        'ranges after the first are pinned to its ETag',
      ).toBe(true);
      expect(worstAhead, 'ranges fetched ahead of the consumer').toBeLessThanOrEqual(4);
      console.log(`${server.kind}: put 200 MiB (unknown length) ${(200 / putSeconds).toFixed(0)} MiB/s, get ${(200 / getSeconds).toFixed(0)} MiB/s`);
    }, 300_000);

    it('ranges across the parallel boundaries read exactly the bytes asked for', async () => {
      const backend = own({ parallelDownloadThreshold: 10 * MiB, downloadRangeSize: 3 * MiB, downloadConcurrency: 3 });
      const size = 23 * MiB + 5;
      const content = payloadBytes('ranges', size);
      await backend.put('r', content, { size });
      for (const range of [
        { offset: 0 },
        { offset: 1, length: 20 * MiB },
        { offset: 7 * MiB + 1 },
        { offset: 22 * MiB, length: 10 * MiB },
        { offset: 3 * MiB, length: 3 * MiB },
        { offset: size - 1 },
        { offset: size },
        { offset: size + 10, length: 4 },
      ]) {
        const got = await readAll(await backend.get('r', { range }));
        const end = range.length === undefined ? size : Math.min(size, range.offset + range.length);
        expect(got.equals(content.subarray(Math.min(range.offset, size), end)), JSON.stringify(range)).toBe(true);
      }
    });

    it('an object overwritten while a parallel download runs fails the stream instead of mixing versions', async ({ skip }) => {
      if (server.kind === 's3rver') skip('s3rver ignores If-Match');
      const backend = own({ parallelDownloadThreshold: 10 * MiB, downloadRangeSize: 5 * MiB, downloadConcurrency: 2 });
      await backend.put('moving', payloadChunks('v1', 30 * MiB));
      const stream = await backend.get('moving');
      await backend.put('moving', payloadChunks('v2', 30 * MiB));
      const error = await readAll(stream).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(S3loError.isInstance(error, ErrorCode.PRECONDITION_FAILED), String(error)).toBe(true);
    });

    it('a consumer that stops early cancels the ranges in flight', async () => {
      const backend = recorded({ parallelDownloadThreshold: 10 * MiB, downloadRangeSize: 5 * MiB, downloadConcurrency: 2 });
      await backend.put('early', payloadChunks('early', 40 * MiB));
      recorder.sent.length = 0;
      const stream = await backend.get('early');
      for await (const chunk of stream) {
        void chunk;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(commands(recorder.sent, 'GetObjectCommand').length).toBeLessThanOrEqual(3);
    });
  });

  describe('keys', () => {
    // s3rver decodes x-amz-copy-source with decodeURI, which leaves %2B (+),
    // %3F (?), %23 (#)... encoded: copies of such keys miss on s3rver only.
    const copyable = (key: string): boolean => server.kind !== 's3rver' || !/[+?#&=$,;:@]/.test(key);
    const keys = ['enc/with space', 'enc/plus+sign', 'enc/q?x=1&y#z', 'enc/percent%2F', 'enc/caf\u00e9/\u65e5\u672c', 'enc/emoji-\u{1F600}', "enc/quote'paren()star*"];

    it('awkward keys survive copy (as source and destination) and presigned GETs', async () => {
      const backend = own();
      for (const key of keys) {
        await backend.put(key, Buffer.from(`content of ${key}`));
        const url = await backend.presignGet(key, { expiresInSeconds: 60 });
        const response = await fetch(url);
        expect(response.status, `presigned GET of ${key}`).toBe(200);
        expect(await response.text()).toBe(`content of ${key}`);
        if (!copyable(key)) continue;
        await backend.copy(key, `${key} copy+`);
        expect((await readAll(await backend.get(`${key} copy+`))).toString(), `copy of ${key}`).toBe(`content of ${key}`);
      }
    });

    it('HEAD with a key that looks like a status ("404") is decided by the status', async () => {
      const backend = own();
      const key = 'blobs/sha256/4040404040404040404040404040404040404040404040404040404040404040';
      await expect(backend.stat(key)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      await backend.put(key, Buffer.from('404'));
      expect((await backend.stat(key)).size).toBe(3);
    });
  });

  describe('errors from the server', () => {
    it('wrong credentials are PERMISSION_DENIED for every method', async () => {
      const backend = own({ credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } });
      const calls: [string, () => Promise<unknown>][] = [
        ['stat', () => backend.stat('k')],
        ['get', () => backend.get('k')],
        ['put', () => backend.put('k', Buffer.from('x'))],
        ['list', () => backend.list()],
        ['deleteMany', () => backend.deleteMany(['k'])],
        ['copy', () => backend.copy('k', 'k2')],
      ];
      for (const [name, call] of calls) {
        const error = await rejection(call());
        expect(error.code, `${name}: ${error.message}`).toBe(ErrorCode.PERMISSION_DENIED);
        expect(error.hint, name).toBeTypeOf('string');
      }
    });

    it('a missing bucket is NOT_FOUND naming the bucket, for every method', async () => {
      const missing = `${bucket}-missing`;
      const backend = own({}, missing);
      const calls: [string, () => Promise<unknown>][] = [
        ['stat', () => backend.stat('k')],
        ['get', () => backend.get('k')],
        ['ranged get', () => backend.get('k', { range: { offset: 5, length: 1 } })],
        ['put', () => backend.put('k', Buffer.from('x'))],
        ['list', () => backend.list()],
        ['deleteMany', () => backend.deleteMany(['k'])],
        ['copy', () => backend.copy('k', 'k2')],
      ];
      for (const [name, call] of calls) {
        const error = await rejection(call());
        expect(error.code, `${name}: ${error.message}`).toBe(ErrorCode.NOT_FOUND);
        expect(error.message, name).toContain(`bucket "${missing}" does not exist`);
      }
    });

    it('a missing key in an existing bucket is NOT_FOUND naming the key', async () => {
      const backend = own();
      for (const call of [() => backend.stat('nope'), () => backend.get('nope'), () => backend.copy('nope', 'x')]) {
        const error = await rejection(call());
        expect(error.code).toBe(ErrorCode.NOT_FOUND);
        expect(error.message).toContain('key "nope" does not exist');
      }
    });
  });

  describe('pending uploads (ListMultipartUploads)', () => {
    it('a multipart upload left behind is listed with its UploadId and start time, and aborted', async ({ skip }) => {
      if (!server.capabilities.listMultipartUploads) skip('the server has no ListMultipartUploads');
      const backend = recorded();
      const uploadId = await leaveMultipartUpload(server, bucket, 'blobs/sha256/left');
      const page = await backend.listPendingUploads({ prefix: 'blobs/' });
      expect(page.uploads.map((u) => [u.key, u.id])).toEqual([['blobs/sha256/left', uploadId]]);
      expect(Math.abs((page.uploads[0] as { initiated: Date }).initiated.getTime() - Date.now())).toBeLessThan(60_000);
      await backend.abortPendingUpload({ key: 'blobs/sha256/left', id: uploadId });
      expect(commands(recorder.sent, 'AbortMultipartUploadCommand').map((r) => r.input['UploadId'])).toEqual([uploadId]);
      expect(await pendingUploads(server, bucket)).toEqual([]);
    });

    it('a store answering 501 NotImplemented makes the claimed capability UNSUPPORTED, with a hint', async ({ skip }) => {
      if (server.capabilities.listMultipartUploads) skip('the server has ListMultipartUploads');
      const error = await rejection(own({ pendingUploads: true }).listPendingUploads());
      expect(error.code).toBe(ErrorCode.UNSUPPORTED);
      expect(error.hint).toContain('pendingUploads');
    });

    it('without the capability, both methods are UNSUPPORTED and send nothing', async () => {
      const backend = recorded({ pendingUploads: false });
      expect(backend.capabilities.pendingUploads).toBe(false);
      expect((await rejection(backend.listPendingUploads())).code).toBe(ErrorCode.UNSUPPORTED);
      expect((await rejection(backend.abortPendingUpload({ key: 'k', id: 'x' }))).code).toBe(ErrorCode.UNSUPPORTED);
      expect(recorder.sent).toEqual([]);
    });
  });

  it('the backend talks to the store with its own client: objects it writes are plain objects', async () => {
    const backend = own();
    await backend.put('plain', Buffer.from('plain bytes'), { contentType: 'text/plain' });
    const head = await recorder.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain' }));
    expect(head.ContentLength).toBe(11);
    expect(head.ContentType).toBe('text/plain');
  });
});
