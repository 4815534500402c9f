import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '@s3lo/core';
import { deleteImage, inspect, list } from '@s3lo/core/image';
import { blobKey, config, createBucket, layer, type TestBucket } from './support/bucket.js';

let bucket: TestBucket;
beforeEach(async () => {
  bucket = await createBucket();
});
afterEach(async () => {
  await bucket.cleanup();
});

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!S3loError.isInstance(error)) throw new Error(`expected an S3loError, got ${String(error)}`);
  return error.code;
}

describe('deleteImage on a local bucket', () => {
  it('removes the tag and the objects it owns, keeps the blobs, then reports NOT_FOUND', async () => {
    const built = await bucket.push('team/app', 'v1');
    await bucket.push('team/app', 'v2');
    await bucket.store.backend.put('manifests/team/app/v1/config.json', Buffer.from('{}'));
    const options = { registry: bucket.registry };

    expect(await deleteImage(bucket.ref('team/app:v1'), options)).toEqual({ reference: bucket.ref('team/app:v1'), digest: built.digest, tags: ['v1'] });
    expect((await bucket.keys()).filter((key) => key.startsWith('manifests/team/app/v1/'))).toEqual([]);
    expect(await list(bucket.url, options)).toEqual([{ name: 'team/app', tags: ['v2'] }]);
    for (const blob of [built.config, ...built.layers]) expect(await bucket.keys()).toContain(blobKey(blob.digest));

    expect(await code(inspect(bucket.ref('team/app:v1'), options))).toBe(ErrorCode.NOT_FOUND);
    expect(await code(deleteImage(bucket.ref('team/app:v1'), options))).toBe(ErrorCode.NOT_FOUND);
  });

  it('by digest deletes every tag of the image holding that digest, and only those', async () => {
    const shared = layer();
    const built = await bucket.push('app', 'v1', [shared]);
    await bucket.store.writeTag('app', 'stable', built.bytes);
    await bucket.store.writeTag('other', 'v1', built.bytes);
    await bucket.push('app', 'v2', [shared]);
    const result = await deleteImage(bucket.ref(`app@${built.digest}`), { registry: bucket.registry });
    expect(result).toEqual({ reference: bucket.ref(`app@${built.digest}`), digest: built.digest, tags: ['stable', 'v1'] });
    expect(await list(bucket.url, { registry: bucket.registry })).toEqual([
      { name: 'app', tags: ['v2'] },
      { name: 'other', tags: ['v1'] },
    ]);
    expect(await code(deleteImage(bucket.ref(`app@${built.digest}`), { registry: bucket.registry }))).toBe(ErrorCode.NOT_FOUND);
  });

  it('refuses a digest that is only a child of an index, naming the tag to delete', async () => {
    const amd64 = await bucket.putManifest(config('linux', 'amd64'), [layer()]);
    await bucket.pushIndex('app', 'multi', [{ platform: { os: 'linux', architecture: 'amd64' }, manifest: amd64 }]);
    const error = await deleteImage(bucket.ref(`app@${amd64.digest}`), { registry: bucket.registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((error as S3loError).hint).toBe('delete the tag instead (app:multi)');
    expect(await list(bucket.url, { registry: bucket.registry })).toEqual([{ name: 'app', tags: ['multi'] }]);
  });
});
