import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { ErrorCode, S3loError, isAbortError, type PutBody } from '@s3lo/core/storage';
import { deleteAll, expectAbsent, expectBucketHolds, expectContent, putBytes, watchedBody, type Suite } from '../context.js';
import { describeError, expectAnyS3loError, expectS3loError } from '../expect-error.js';
import { payloadChunks, payloadSha256, sha256OfStream } from '../payload.js';

const MiB = 1024 * 1024;

/** `size` bytes of which only the first `failAt` are delivered before the body fails with `error`. */
async function* failingHalfWay(seed: string, size: number, failAt: number, error: Error): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of payloadChunks(seed, size)) {
    if (sent + chunk.length > failAt) throw error;
    yield chunk;
    sent += chunk.length;
    await yieldToEventLoop();
  }
}

/** A body that fires `controller` half way and then keeps trickling, as a slow client would. */
async function* abortingHalfWay(seed: string, size: number, controller: AbortController): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of payloadChunks(seed, size)) {
    if (sent >= size / 2 && !controller.signal.aborted) {
      controller.abort(new Error('aborted by the conformance test'));
      await sleep(5);
    }
    yield chunk;
    sent += chunk.length;
    await yieldToEventLoop();
  }
}

/** The contract: a cancelled call rejects with an S3loError ABORTED (not a bare AbortError). */
async function expectAborted(action: Promise<unknown>, what: string): Promise<void> {
  await expectS3loError(action, ErrorCode.ABORTED, what);
}

export function faultTests(suite: Suite): void {
  const { target, it } = suite;

  describe('faults', () => {
    for (const form of ['AsyncIterable', 'Readable'] as const) {
      for (const sized of [true, false]) {
        it(`${form === 'AsyncIterable' ? 'an' : 'a'} ${form} body that fails half way ${sized ? 'with' : 'without'} a size leaves no object`, async () => {
          const backend = suite.backend();
          const size = 4 * MiB;
          const source = failingHalfWay('fails', size, size / 2, new Error('the body failed on purpose'));
          const body: PutBody = form === 'Readable' ? Readable.from(source) : source;
          await expectAnyS3loError(backend.put('faults/failing', body, sized ? { size } : {}), 'put whose body fails half way');
          await expectAbsent(backend, 'faults/failing', 'after a body failed half way');
          await expectBucketHolds(backend, [], 'after a body failed half way');
        });
      }
    }

    it('a body that fails half way leaves the previous object under the key unchanged', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'faults/kept', 'the original');
      await expectAnyS3loError(backend.put('faults/kept', failingHalfWay('fails', 2 * MiB, MiB, new Error('the body failed on purpose'))), 'overwrite whose body fails half way');
      await expectContent(backend, 'faults/kept', 'the original', 'after a failed overwrite');
      await deleteAll(backend, ['faults/kept'], 'cleanup');
    });

    it("a body failing with an S3loError rejects with that error's code", async () => {
      const backend = suite.backend();
      const digestError = new S3loError(ErrorCode.DIGEST_MISMATCH, 'the layer did not hash to its digest');
      await expectS3loError(backend.put('faults/digest', failingHalfWay('digest', MiB, MiB / 2, digestError)), 'DIGEST_MISMATCH', 'put whose body fails with DIGEST_MISMATCH');
      await expectAbsent(backend, 'faults/digest', 'after the body failed with DIGEST_MISMATCH');
    });

    for (const existing of [false, true]) {
      it(`an upload aborted half way rejects with ABORTED and leaves ${existing ? 'the previous object unchanged' : 'no object'}`, async () => {
        const backend = suite.backend();
        if (existing) await putBytes(backend, 'faults/aborted', 'the original');
        const controller = new AbortController();
        const size = 4 * MiB;
        await expectAborted(backend.put('faults/aborted', abortingHalfWay('aborted', size, controller), { signal: controller.signal, size }), 'put aborted half way');
        if (existing) {
          await expectContent(backend, 'faults/aborted', 'the original', 'after an aborted overwrite');
          await deleteAll(backend, ['faults/aborted'], 'cleanup');
        } else {
          await expectAbsent(backend, 'faults/aborted', 'after an aborted put');
        }
        await expectBucketHolds(backend, [], 'after the aborted put');
      });
    }

    it('a conditional create aborted half way leaves no object', async ({ skip }) => {
      const backend = suite.backend();
      if (!backend.capabilities.conditionalCreate) skip('conditionalCreate not claimed');
      const controller = new AbortController();
      await expectAborted(
        backend.put('faults/cond-aborted', abortingHalfWay('aborted', 2 * MiB, controller), { signal: controller.signal, ifNoneMatch: '*' }),
        'conditional put aborted half way',
      );
      await expectAbsent(backend, 'faults/cond-aborted', 'after an aborted conditional put');
    });

    it('every method rejects at once with ABORTED when the signal has already fired', async () => {
      const backend = suite.backend();
      await putBytes(backend, 'faults/present', 'still here');
      const signal = AbortSignal.abort(new Error('aborted before the call'));
      const calls: [string, () => Promise<unknown>][] = [
        ['get', () => backend.get('faults/present', { signal })],
        ['ranged get', () => backend.get('faults/present', { signal, range: { offset: 1 } })],
        ['stat', () => backend.stat('faults/present', { signal })],
        ['list', () => backend.list({ signal })],
        ['deleteMany', () => backend.deleteMany(['faults/present'], { signal })],
      ];
      const watched = watchedBody(Buffer.from('never'));
      calls.push(['put', () => backend.put('faults/new', watched.body, { signal })]);
      if (backend.capabilities.conditionalCreate) {
        calls.push(['conditional put', () => backend.put('faults/new', Buffer.from('x'), { signal, ifNoneMatch: '*' })]);
      }
      if (backend.capabilities.serverSideCopy && backend.copy !== undefined) {
        const copy = backend.copy.bind(backend);
        calls.push(['copy', () => copy('faults/present', 'faults/copied', { signal })]);
      }
      if (backend.capabilities.presignedGet && backend.presignGet !== undefined) {
        const presign = backend.presignGet.bind(backend);
        calls.push(['presignGet', () => presign('faults/present', { signal, expiresInSeconds: 60 })]);
      }
      for (const [name, call] of calls) {
        const started = performance.now();
        await expectAborted(call(), `${name} with an already aborted signal`);
        const took = performance.now() - started;
        if (took > 2000) throw new Error(`${name} with an already aborted signal took ${Math.round(took)} ms to reject`);
      }
      if (watched.consumed()) throw new Error('put with an already aborted signal read its body');
      await expectBucketHolds(backend, ['faults/present'], 'after calls with an aborted signal');
      await deleteAll(backend, ['faults/present'], 'cleanup');
    });

    it('aborting while a get stream is being read errors the stream', async () => {
      const backend = suite.backend();
      const size = 4 * MiB;
      await backend.put('faults/read-aborted', payloadChunks('read', size), { size });
      const controller = new AbortController();
      const stream = await backend.get('faults/read-aborted', { signal: controller.signal });
      let read = 0;
      let failure: unknown;
      try {
        for await (const chunk of stream) {
          read += (chunk as Buffer).length;
          if (!controller.signal.aborted) controller.abort(new Error('aborted while reading'));
          await yieldToEventLoop();
        }
      } catch (error) {
        failure = error;
      }
      expect(read, 'bytes read before the abort took effect').toBeLessThan(size);
      if (!isAbortError(failure))
        throw new Error(`the get stream must fail with an abort error once the signal fires, got ${failure === undefined ? 'a clean end' : describeError(failure)}`);
      await deleteAll(backend, ['faults/read-aborted'], 'cleanup');
    });

    it(`8 concurrent writers of one key leave one writer's whole content, never a mix`, async ({ skip }) => {
      if (target.storeDefects?.includes('nonAtomicOverwrite')) skip('the store overwrites objects in place (storeDefects: nonAtomicOverwrite)');
      const backend = suite.backend();
      const size = MiB + 1;
      const writers = Array.from({ length: 8 }, (_, i) => `concurrent-${i}`);
      await Promise.all(writers.map((seed) => backend.put('faults/contended', payloadChunks(seed, size, 32 * 1024), { size })));
      const read = await sha256OfStream(await backend.get('faults/contended'));
      const candidates = new Map(writers.map((seed) => [payloadSha256(seed, size), seed]));
      if (!candidates.has(read.sha256)) {
        throw new Error(`after ${writers.length} concurrent puts the object (${read.size} bytes) matches none of the writers' contents`);
      }
      await deleteAll(backend, ['faults/contended'], 'cleanup');
    });
  });

  describe('lastModified', () => {
    it(
      'an object rewritten later has a later-or-equal lastModified',
      async () => {
        const backend = suite.backend();
        await putBytes(backend, 'times/object', 'first');
        const first = await backend.stat('times/object');
        await sleep(20);
        await putBytes(backend, 'times/object', 'second');
        const second = await backend.stat('times/object');
        if (second.lastModified.getTime() < first.lastModified.getTime()) {
          throw new Error(`lastModified went backwards on rewrite: ${first.lastModified.toISOString()} then ${second.lastModified.toISOString()}`);
        }
        await putBytes(backend, 'times/later', 'x');
        const other = await backend.stat('times/later');
        if (other.lastModified.getTime() < first.lastModified.getTime()) {
          throw new Error(`an object written later has an earlier lastModified: ${first.lastModified.toISOString()} then ${other.lastModified.toISOString()}`);
        }
        await deleteAll(backend, ['times/object', 'times/later'], 'cleanup');
      },
      target.timeoutMs,
    );
  });
}
