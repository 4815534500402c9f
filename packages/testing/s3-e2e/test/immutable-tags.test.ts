// Issue 8, point 6: the bucket's policy (s3lo.yaml's immutable tags) lives in
// core, so a library caller meets it as the CLI does, and the tag write is
// create-only where the store has conditional create (a local directory:
// link(2); Ceph RGW: If-None-Match: *), so racing writers cannot both win.
import { ErrorCode, image, S3loError } from '@s3lo/core';
import { openBucket, type BucketStore } from '@s3lo/core/image';
import { BucketLocation } from '@s3lo/core/ref';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketTargets, makeRegistry, seedImage, type BucketTarget } from './support.js';

const registry = makeRegistry();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!S3loError.isInstance(error)) throw new Error(`expected an S3loError, got ${String(error)}`);
  return error.code;
}

describe.each(bucketTargets(registry))('$name: immutable tags in the library', ({ make }) => {
  let target: BucketTarget;
  let store: BucketStore;

  beforeAll(async () => {
    target = await make();
    store = await openBucket(BucketLocation.parse(target.url), target.options);
    expect(store.backend.capabilities.conditionalCreate).toBe(true);
    const config = Buffer.from('images:\n  team/*:\n    immutable: true\n');
    await store.backend.put('s3lo.yaml', config, { size: config.length });
  });
  afterAll(async () => {
    await store.close();
    await target.remove();
  });

  test('overwrite refused, the same bytes again fine, force overrides; delete refused unless forced', async () => {
    const a = await seedImage(store, 'team/app', 'v1');
    const b = await seedImage(store, 'other', 'b');
    expect(await codeOf(store.writeTag('team/app', 'v1', b.bytes))).toBe(ErrorCode.ALREADY_EXISTS);
    expect((await store.writeTag('team/app', 'v1', a.bytes)).digest).toBe(a.digest);

    const ref = (text: string) => `${target.url}${text}`;
    const started: string[] = [];
    const refused = image.copy(ref('other:b'), ref('team/app:v1'), { ...target.options, onStart: (start) => started.push(start.digest) });
    expect(await codeOf(refused)).toBe(ErrorCode.ALREADY_EXISTS);
    expect(started).toEqual([]); // refused before the copy announced anything
    expect((await image.inspect(ref('team/app:v1'), target.options)).digest).toBe(a.digest);
    expect((await image.copy(ref('other:b'), ref('team/app:v1'), { ...target.options, force: true })).digest).toBe(b.digest);

    expect(await codeOf(image.deleteImage(ref('team/app:v1'), target.options))).toBe(ErrorCode.PRECONDITION_FAILED);
    expect(await codeOf(image.deleteImage(ref(`team/app@${b.digest}`), target.options))).toBe(ErrorCode.PRECONDITION_FAILED);
    expect((await image.deleteImage(ref('team/app:v1'), { ...target.options, force: true })).tags).toEqual(['v1']);
    // Images the configuration does not cover stay mutable.
    expect((await store.writeTag('other', 'b', a.bytes)).digest).toBe(a.digest);
  });

  test('eight writers racing for a new immutable tag: exactly one wins, the others get ALREADY_EXISTS', async () => {
    const candidates: { bytes: Buffer; digest: string }[] = [];
    for (let i = 0; i < 8; i++) candidates.push(await seedImage(store, 'staging', `c${i}`));
    const results = await Promise.allSettled(candidates.map((candidate) => store.writeTag('team/race', 'v1', candidate.bytes)));
    const won = results.flatMap((result, i) => (result.status === 'fulfilled' ? [candidates[i]!.digest] : []));
    expect(won).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(S3loError.isInstance(result.reason, ErrorCode.ALREADY_EXISTS)).toBe(true);
    expect((await store.readTag('team/race', 'v1')).digest).toBe(won[0]);
  });
});
