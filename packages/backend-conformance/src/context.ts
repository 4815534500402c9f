import { afterEach, beforeEach, it as vitestIt, type TestFunction } from 'vitest';
import { listAll, listAllPendingUploads, type PendingUpload, type PutBody, type StorageBackend } from '@s3lo/core/storage';
import type { ConformanceBucket, ResolvedTarget } from './target.js';
import { describeError, expectS3loError } from './expect-error.js';
import { collectListing, assertSameKeys } from './listing.js';
import { readAll } from './payload.js';

/** What every group of tests shares: the target and the running test's backend. */
export interface Suite {
  readonly target: ResolvedTarget;
  /** The backend bound to the running test's fresh bucket. */
  backend(): StorageBackend;
  /** vitest's `it`, with the target's timeout unless one is given. */
  it(name: string, fn: TestFunction, timeout?: number): void;
}

/**
 * A fresh bucket before every test; after it, a teardown that lists the
 * bucket (and its pending uploads, where the backend can list them) and
 * fails the test if anything was left behind (tests delete what they
 * write, and a failed write must leave nothing), then disposes of it.
 */
export function registerBucketLifecycle(target: ResolvedTarget): Suite {
  let current: ConformanceBucket | undefined;

  beforeEach(async () => {
    current = await target.create();
    const page = await current.backend.list({ pageSize: 1 });
    const found = page.objects[0]?.key;
    if (found !== undefined) {
      throw new Error(`${target.name}: create() returned a bucket that is not empty (it holds ${JSON.stringify(found)})`);
    }
  }, target.timeoutMs);

  afterEach(async (context) => {
    const bucket = current;
    current = undefined;
    if (bucket === undefined) return;
    const leftovers: string[] = [];
    const pending: PendingUpload[] = [];
    let listError: unknown;
    try {
      for await (const object of listAll(bucket.backend)) leftovers.push(object.key);
      if (leftovers.length > 0) await bucket.backend.deleteMany(leftovers);
      // A failed or aborted write must leave no pending upload either, where the backend can tell.
      if (bucket.backend.capabilities.pendingUploads === true) {
        for await (const upload of listAllPendingUploads(bucket.backend)) pending.push(upload);
        for (const upload of pending) await bucket.backend.abortPendingUpload?.(upload);
      }
    } catch (error) {
      listError = error;
    }
    try {
      await bucket.backend.close?.();
    } finally {
      await bucket.cleanup?.();
    }
    // A test that already failed usually left its objects for that reason;
    // one more error about them would only bury the real one.
    if (context.task.result?.state === 'fail') return;
    if (listError !== undefined) throw new Error(`teardown: listing the bucket failed: ${describeError(listError)}`, { cause: listError });
    if (pending.length > 0) {
      const shown = pending
        .slice(0, 10)
        .map((u) => JSON.stringify(u.key))
        .join(', ');
      throw new Error(`teardown: the test left ${pending.length} pending upload(s) in the bucket: ${shown}. A failed or aborted write must leave no pending upload.`);
    }
    if (leftovers.length > 0) {
      const shown = leftovers
        .slice(0, 10)
        .map((k) => JSON.stringify(k))
        .join(', ');
      throw new Error(
        `teardown: the test left ${leftovers.length} object(s) in the bucket: ${shown}${leftovers.length > 10 ? ', ...' : ''}. ` +
          'Tests delete what they write, and a failed or aborted write must leave no object.',
      );
    }
  }, target.slowTimeoutMs);

  return {
    target,
    it: (name, fn, timeout = target.timeoutMs) => vitestIt(name, fn, timeout),
    backend() {
      if (current === undefined) throw new Error('suite.backend() called outside a test');
      return current.backend;
    },
  };
}

/** Writes an object from bytes in memory. */
export async function putBytes(backend: StorageBackend, key: string, bytes: Uint8Array | string): Promise<void> {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  await backend.put(key, body, { size: body.length });
}

/** Reads a whole (small) object. */
export async function getBytes(backend: StorageBackend, key: string): Promise<Buffer> {
  return readAll(await backend.get(key));
}

/** Fails unless `key` holds exactly `expected`. */
export async function expectContent(backend: StorageBackend, key: string, expected: Uint8Array | string, what: string): Promise<void> {
  const want = typeof expected === 'string' ? Buffer.from(expected, 'utf8') : Buffer.from(expected);
  let got: Buffer;
  try {
    got = await getBytes(backend, key);
  } catch (error) {
    throw new Error(`${what}: reading ${JSON.stringify(key)} failed: ${describeError(error)}`, { cause: error });
  }
  if (!got.equals(want)) {
    throw new Error(`${what}: ${JSON.stringify(key)} holds ${got.length} bytes that differ from the ${want.length} expected`);
  }
}

/** Fails unless `key` does not exist (stat and get both NOT_FOUND). */
export async function expectAbsent(backend: StorageBackend, key: string, what: string): Promise<void> {
  await expectS3loError(backend.stat(key), 'NOT_FOUND', `${what}: stat(${JSON.stringify(key)})`);
  await expectS3loError(backend.get(key), 'NOT_FOUND', `${what}: get(${JSON.stringify(key)})`);
}

/** Fails unless a full listing of the bucket is exactly `keys`. */
export async function expectBucketHolds(backend: StorageBackend, keys: readonly string[], what: string): Promise<void> {
  const listing = await collectListing(backend, {}, `${what}: listing the bucket`);
  assertSameKeys(
    listing.entries,
    [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    `${what}: listing the bucket`,
  );
}

/** A body that records whether anyone started reading it. */
export function watchedBody(bytes: Uint8Array): { readonly body: PutBody; consumed(): boolean } {
  let consumed = false;
  const body: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      consumed = true;
      yield bytes;
    },
  };
  return { body, consumed: () => consumed };
}

/** Deletes keys and fails if any of them could not be deleted. */
export async function deleteAll(backend: StorageBackend, keys: readonly string[], what: string): Promise<void> {
  const result = await backend.deleteMany(keys);
  if (result.failed.length > 0) {
    const first = result.failed[0];
    throw new Error(`${what}: deleteMany failed for ${result.failed.length} key(s), first ${JSON.stringify(first?.key)}: ${describeError(first?.error)}`);
  }
}
