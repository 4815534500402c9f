import { join } from 'node:path';
import { pull, push } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketBlobProblems, bucketRef, listFiles, makeRegistry, readTag, tagKeyOf, tempFiles } from './fixtures/bucket.js';
import { layoutBlobProblems, layoutEntries, layoutReachable, sha256Digest, skopeoRaw, type Desc } from './fixtures/layout.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { assertToolsInstalled } from './fixtures/tools.js';

const registry = makeRegistry();

describe('several copies writing to one place at once', () => {
  let dir: string;
  let image: OciImage;
  let other: OciImage;
  let blobs: Desc[];
  let manifest: Buffer;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('concurrent');
    [image, other] = await Promise.all([buildSingleImage({ dir: join(dir, 'a'), gzip: true }), buildSingleImage({ dir: join(dir, 'b'), gzip: false })]);
    manifest = await skopeoRaw(image.ref);
    blobs = await layoutReachable(image.layout, manifest);
  });
  afterAll(() => removeDir(dir));

  test('pushes of the same blobs to one bucket, to six tags and three times to one tag: all land, nothing left over', async () => {
    const bucket = join(await testDir('concurrent-push'), 'bucket');
    const tags = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'];
    const results = await Promise.all([
      ...tags.map((tag) => push(image.ref, bucketRef(bucket, 'app', tag), { registry })),
      ...[1, 2, 3].map(() => push(image.ref, bucketRef(bucket, 'same', 'v1'), { registry })),
      push(other.ref, bucketRef(bucket, 'other', 'v1'), { registry }),
    ]);
    for (const result of results.slice(0, 9)) expect(result.digest).toBe(sha256Digest(manifest));
    for (const tag of tags) expect((await readTag(bucket, 'app', tag)).toString('utf8')).toBe(manifest.toString('utf8'));
    expect(await bucketBlobProblems(bucket, blobs)).toEqual([]);
    const otherBlobs = await layoutReachable(other.layout, await skopeoRaw(other.ref));
    expect(await listFiles(bucket)).toEqual(
      [
        ...new Set([...blobs, ...otherBlobs].map((d) => `blobs/sha256/${d.digest.slice(7)}`)),
        ...tags.map((tag) => tagKeyOf('app', tag)),
        tagKeyOf('same', 'v1'),
        tagKeyOf('other', 'v1'),
      ].sort(),
    );
    expect(await tempFiles(bucket)).toEqual([]);
  });

  test('pulls into one OCI layout, each to its own tag: every pull that succeeds has its tag in index.json', async () => {
    const work = await testDir('concurrent-pull');
    const bucket = join(work, 'bucket');
    await push(image.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    await push(other.ref, bucketRef(bucket, 'other', 'v1'), { registry });
    const out = join(work, 'out');
    const tags = ['t1', 't2', 't3', 't4', 't5', 't6'];
    const settled = await Promise.allSettled(tags.map((tag, i) => pull(bucketRef(bucket, i % 2 === 0 ? 'app' : 'other', 'v1'), `oci:${out}:${tag}`, { registry })));
    const succeeded = tags.filter((_, i) => settled[i]?.status === 'fulfilled');
    const named = (await layoutEntries(out)).map((entry) => entry.annotations?.['org.opencontainers.image.ref.name']);
    // A pull may fail, but one that reports success must have made its tag visible.
    expect(named.sort()).toEqual(succeeded);
    expect(succeeded.length).toBeGreaterThan(0);
    expect(await tempFiles(out)).toEqual([]);
    for (const tag of succeeded) {
      const bytes = await skopeoRaw(`oci:${out}:${tag}`);
      expect(await layoutBlobProblems(out, await layoutReachable(out, bytes)), tag).toEqual([]);
    }
  });
});
