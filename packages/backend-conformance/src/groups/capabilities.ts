import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { S3loError } from '@s3lo/core/storage';
import { deleteAll, expectAbsent, expectBucketHolds, expectContent, putBytes, watchedBody, type Suite } from '../context.js';
import { describeError, expectAnyS3loError, expectS3loError } from '../expect-error.js';
import { payloadBytes, payloadChunks, payloadSha256, sha256OfStream } from '../payload.js';

const WRITERS = 8;

/** Bytes delivered in small chunks with a turn of the event loop between them, so concurrent writers interleave. */
async function* trickle(seed: string, size: number): AsyncGenerator<Buffer> {
  for await (const chunk of payloadChunks(seed, size, 32 * 1024)) {
    yield chunk;
    await yieldToEventLoop();
  }
}

export function capabilityTests(suite: Suite): void {
  const { target, it } = suite;

  describe('conditional create (capability conditionalCreate)', () => {
    it('creates an absent key', async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.conditionalCreate) skip('conditionalCreate not claimed');
      await backend.put('cond/new', Buffer.from('created'), { ifNoneMatch: '*' });
      await expectContent(backend, 'cond/new', 'created', 'after a conditional create');
      await deleteAll(backend, ['cond/new'], 'cleanup');
    });

    it('refuses an existing key with ALREADY_EXISTS and leaves its content unchanged', async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.conditionalCreate) skip('conditionalCreate not claimed');
      await putBytes(backend, 'cond/taken', 'original');
      for (const size of [undefined, 11]) {
        await expectS3loError(
          backend.put('cond/taken', payloadChunks('usurper', 11), { ifNoneMatch: '*', ...(size === undefined ? {} : { size }) }),
          'ALREADY_EXISTS',
          `conditional put over an existing key${size === undefined ? '' : ' with a size'}`,
        );
      }
      await expectContent(backend, 'cond/taken', 'original', 'after the refused conditional put');
      await deleteAll(backend, ['cond/taken'], 'cleanup');
    });

    it(`of ${WRITERS} concurrent creators exactly one wins and its whole content is stored`, async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.conditionalCreate) skip('conditionalCreate not claimed');
      const size = 512 * 1024 + 1;
      const outcomes = await Promise.allSettled(Array.from({ length: WRITERS }, (_, i) => backend.put('cond/raced', trickle(`writer-${i}`, size), { ifNoneMatch: '*', size })));
      const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
      const wrongFailures = outcomes.flatMap((outcome, i) =>
        outcome.status === 'rejected' && !S3loError.isInstance(outcome.reason, 'ALREADY_EXISTS') ? [`writer ${i}: ${describeError(outcome.reason)}`] : [],
      );
      expect(wrongFailures, 'writers that failed other than with ALREADY_EXISTS').toEqual([]);
      expect(winners.length, `writers that succeeded (${JSON.stringify(winners)})`).toBe(1);
      const read = await sha256OfStream(await backend.get('cond/raced'));
      expect(read.sha256, "stored content is the winner's whole content").toBe(payloadSha256(`writer-${winners[0]}`, size));
      await deleteAll(backend, ['cond/raced'], 'cleanup');
    });

    it('a failed conditional create leaves nothing, so the key can be created afterwards', async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.conditionalCreate) skip('conditionalCreate not claimed');
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.from('half of it');
        throw new Error('the body failed on purpose');
      }
      await expectAnyS3loError(backend.put('cond/retry', failing(), { ifNoneMatch: '*' }), 'conditional put whose body fails');
      await expectS3loError(backend.put('cond/retry', Buffer.from('abc'), { ifNoneMatch: '*', size: 4 }), 'SIZE_MISMATCH', 'conditional put with a size mismatch');
      await expectAbsent(backend, 'cond/retry', 'after failed conditional puts');
      await backend.put('cond/retry', Buffer.from('whole'), { ifNoneMatch: '*' });
      await expectContent(backend, 'cond/retry', 'whole', 'after creating the key');
      await deleteAll(backend, ['cond/retry'], 'cleanup');
    });

    it('without the capability, a conditional put throws UNSUPPORTED and writes nothing', async ({ skip }) => {
      const backend = suite.backend();
      if (backend.capabilities.conditionalCreate) skip('conditionalCreate claimed');
      const watched = watchedBody(Buffer.from('never'));
      await expectS3loError(backend.put('cond/unsupported', watched.body, { ifNoneMatch: '*' }), 'UNSUPPORTED', 'conditional put without conditionalCreate');
      await expectAbsent(backend, 'cond/unsupported', 'after the unsupported conditional put');
      await putBytes(backend, 'cond/existing', 'kept');
      await expectS3loError(backend.put('cond/existing', Buffer.from('new'), { ifNoneMatch: '*' }), 'UNSUPPORTED', 'conditional put over an existing key without conditionalCreate');
      await expectContent(backend, 'cond/existing', 'kept', 'after the unsupported conditional put');
      await deleteAll(backend, ['cond/existing'], 'cleanup');
    });
  });

  describe('server-side copy (capability serverSideCopy)', () => {
    it('copies the bytes to a new key and leaves the source intact', async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.serverSideCopy || backend.copy === undefined) skip('serverSideCopy not claimed');
      const content = payloadBytes('copy', 1024 * 1024 + 1);
      await putBytes(backend, 'copy/source', content);
      await backend.copy!('copy/source', 'copy/deeper/destination');
      await expectContent(backend, 'copy/deeper/destination', content, 'the copy');
      await expectContent(backend, 'copy/source', content, 'the source after copying');
      expect((await backend.stat('copy/deeper/destination')).size, 'stat size of the copy').toBe(content.length);
      await backend.put('copy/empty', new Uint8Array(0));
      await backend.copy!('copy/empty', 'copy/empty-too');
      await expectContent(backend, 'copy/empty-too', new Uint8Array(0), 'a copy of an empty object');
      await deleteAll(backend, ['copy/source', 'copy/deeper/destination', 'copy/empty', 'copy/empty-too'], 'cleanup');
    });

    it('a missing source is NOT_FOUND and creates nothing', async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.serverSideCopy || backend.copy === undefined) skip('serverSideCopy not claimed');
      await expectS3loError(backend.copy!('copy/missing', 'copy/destination'), 'NOT_FOUND', 'copy from a missing key');
      await expectBucketHolds(backend, [], 'after copying from a missing key');
    });

    it('a copy onto an existing key overwrites it', async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.serverSideCopy || backend.copy === undefined) skip('serverSideCopy not claimed');
      await putBytes(backend, 'copy/a', 'new content');
      await putBytes(backend, 'copy/b', 'old content that is longer');
      await backend.copy!('copy/a', 'copy/b');
      await expectContent(backend, 'copy/b', 'new content', 'the overwritten destination');
      await deleteAll(backend, ['copy/a', 'copy/b'], 'cleanup');
    });

    it('without the capability, copy is absent or throws UNSUPPORTED', async ({ skip }) => {
      const backend = suite.backend();
      if (backend.capabilities.serverSideCopy) skip('serverSideCopy claimed');
      if (backend.copy === undefined) return;
      await putBytes(backend, 'copy/source', 'x');
      await expectS3loError(backend.copy('copy/source', 'copy/destination'), 'UNSUPPORTED', 'copy without serverSideCopy');
      await expectBucketHolds(backend, ['copy/source'], 'after the unsupported copy');
      await deleteAll(backend, ['copy/source'], 'cleanup');
    });
  });

  describe('presigned GET (capability presignedGet)', () => {
    it(
      "serves the object's bytes to a plain fetch",
      async ({ skip }) => {
        const backend = suite.backend();
        if (!backend.capabilities.presignedGet || backend.presignGet === undefined) skip('presignedGet not claimed');
        const key = 'presign/awkward name+\u00e9';
        const content = payloadBytes('presign', 70_000);
        await putBytes(backend, key, content);
        const url = await backend.presignGet!(key, { expiresInSeconds: 300 });
        expect(() => new URL(url), 'the presigned URL parses').not.toThrow();
        const response = await fetch(url);
        expect(response.status, `GET ${url}`).toBe(200);
        const body = Buffer.from(await response.arrayBuffer());
        if (!body.equals(content)) throw new Error(`GET of the presigned URL returned ${body.length} bytes that differ from the ${content.length} stored`);
        await deleteAll(backend, [key], 'cleanup');
      },
      target.timeoutMs,
    );

    it('without the capability, presignGet is absent or throws UNSUPPORTED', async ({ skip }) => {
      const backend = suite.backend();
      if (backend.capabilities.presignedGet) skip('presignedGet claimed');
      if (backend.presignGet === undefined) return;
      await putBytes(backend, 'presign/x', 'x');
      await expectS3loError(backend.presignGet('presign/x', { expiresInSeconds: 60 }), 'UNSUPPORTED', 'presignGet without presignedGet');
      await deleteAll(backend, ['presign/x'], 'cleanup');
    });
  });
}
