import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { listAllPendingUploads, type PendingUpload, type StorageBackend } from '@s3lo/core/storage';
import { expectAbsent, expectBucketHolds, type Suite } from '../context.js';
import { describeError, expectS3loError } from '../expect-error.js';
import { payloadChunks } from '../payload.js';

const MiB = 1024 * 1024;

/** Every pending upload under `prefix`. */
export async function pendingUploadsOf(backend: StorageBackend, prefix = ''): Promise<PendingUpload[]> {
  const uploads: PendingUpload[] = [];
  for await (const upload of listAllPendingUploads(backend, { prefix })) uploads.push(upload);
  return uploads;
}

/** Lists again until an upload of `key` shows up: an event, not a time, ends the wait (the test's timeout bounds it). */
async function untilPending(backend: StorageBackend, key: string, writer: Promise<unknown>): Promise<PendingUpload> {
  let settled: string | undefined;
  writer.then(
    () => (settled = 'it completed'),
    (error: unknown) => (settled = `it failed: ${describeError(error)}`),
  );
  for (;;) {
    const found = (await pendingUploadsOf(backend, key)).find((upload) => upload.key === key);
    if (found !== undefined) return found;
    if (settled !== undefined) throw new Error(`the write of ${JSON.stringify(key)} never showed up as a pending upload before ${settled}`);
    await sleep(10);
  }
}

/** `size` bytes of which the first MiB flows at once and the rest only once `gate` resolves. */
async function* heldBody(seed: string, size: number, gate: Promise<void>): AsyncGenerator<Buffer> {
  let sent = 0;
  for await (const chunk of payloadChunks(seed, size)) {
    if (sent >= MiB) await gate;
    yield chunk;
    sent += chunk.length;
  }
}

function expectRecent(upload: PendingUpload, toleranceMs: number, what: string): void {
  const offset = Math.abs(upload.initiated.getTime() - Date.now());
  if (!(upload.initiated instanceof Date) || Number.isNaN(upload.initiated.getTime()) || offset > toleranceMs) {
    throw new Error(`${what}: initiated ${String(upload.initiated)} is not within ${toleranceMs} ms of this machine's clock`);
  }
}

export function pendingUploadTests(suite: Suite): void {
  const { target, it } = suite;
  const claimed = (backend: StorageBackend): boolean => backend.capabilities.pendingUploads === true;
  const notClaimed = 'pendingUploads not claimed by this backend';

  describe('pending uploads (capability pendingUploads)', () => {
    it(
      'an upload in flight is listed; aborting it fails the write and leaves nothing',
      async ({ skip }) => {
        const backend = suite.backend();
        if (!claimed(backend)) skip(notClaimed);
        let open!: () => void;
        const gate = new Promise<void>((resolve) => (open = resolve));
        const size = target.pendingUploadSize;
        const writing = backend.put('pending/in-flight', heldBody('held', size, gate), { size });
        try {
          const upload = await untilPending(backend, 'pending/in-flight', writing);
          expect(typeof upload.id, 'id').toBe('string');
          expect(upload.id, 'id').not.toBe('');
          expectRecent(upload, target.clockToleranceMs, 'the upload in flight');
          await backend.abortPendingUpload!(upload);
        } finally {
          open();
        }
        await expectS3loError(writing, 'BACKEND_ERROR', 'the write whose upload was aborted');
        await expectAbsent(backend, 'pending/in-flight', 'after aborting the upload');
        expect(await pendingUploadsOf(backend), 'pending uploads after the abort').toEqual([]);
        await expectBucketHolds(backend, [], 'after aborting the upload');
      },
      target.slowTimeoutMs,
    );

    it('an interrupted upload (its writer gone) is listed with its key; aborting it leaves nothing, twice is no error', async ({ skip }) => {
      const backend = suite.backend();
      if (!claimed(backend)) skip(notClaimed);
      if (target.leavePendingUpload === undefined) skip('the target has no leavePendingUpload');
      await target.leavePendingUpload!(backend, 'pending/interrupted/blob');
      const uploads = await pendingUploadsOf(backend);
      expect(
        uploads.map((upload) => upload.key),
        'pending uploads',
      ).toEqual(['pending/interrupted/blob']);
      const [upload] = uploads as [PendingUpload];
      expectRecent(upload, target.clockToleranceMs, 'the interrupted upload');
      await expectBucketHolds(backend, [], 'with an interrupted upload (listings never show one)');
      await backend.abortPendingUpload!(upload);
      expect(await pendingUploadsOf(backend), 'pending uploads after the abort').toEqual([]);
      await backend.abortPendingUpload!(upload);
      await expectBucketHolds(backend, [], 'after aborting the interrupted upload');
    });

    it('lists by prefix, in key order, page by page', async ({ skip }) => {
      const backend = suite.backend();
      if (!claimed(backend)) skip(notClaimed);
      if (target.leavePendingUpload === undefined) skip('the target has no leavePendingUpload');
      const keys = ['pending/a/2', 'pending/a/1', 'pending/b/1', 'other/1'];
      for (const key of keys) await target.leavePendingUpload!(backend, key);
      try {
        expect(
          (await pendingUploadsOf(backend, 'pending/a/')).map((u) => u.key),
          'uploads under pending/a/',
        ).toEqual(['pending/a/1', 'pending/a/2']);
        const paged: string[] = [];
        let continuationToken: string | undefined;
        let pages = 0;
        do {
          const page = await backend.listPendingUploads!({ prefix: 'pending/', pageSize: 1, continuationToken });
          expect(page.uploads.length, 'uploads on a page of pageSize 1').toBeLessThanOrEqual(1);
          paged.push(...page.uploads.map((u) => u.key));
          continuationToken = page.nextToken;
          pages++;
        } while (continuationToken !== undefined && pages < 10);
        expect(paged, 'uploads under pending/, one per page').toEqual(['pending/a/1', 'pending/a/2', 'pending/b/1']);
      } finally {
        for (const upload of await pendingUploadsOf(backend)) await backend.abortPendingUpload!(upload);
      }
      expect(await pendingUploadsOf(backend), 'pending uploads after aborting them all').toEqual([]);
    });

    it('without the capability, the methods are absent or throw UNSUPPORTED', async ({ skip }) => {
      const backend = suite.backend();
      if (claimed(backend)) skip('pendingUploads claimed');
      if (backend.listPendingUploads !== undefined) await expectS3loError(backend.listPendingUploads(), 'UNSUPPORTED', 'listPendingUploads without pendingUploads');
      if (backend.abortPendingUpload !== undefined) {
        await expectS3loError(backend.abortPendingUpload({ key: 'pending/x', id: 'x' }), 'UNSUPPORTED', 'abortPendingUpload without pendingUploads');
      }
    });
  });
}
