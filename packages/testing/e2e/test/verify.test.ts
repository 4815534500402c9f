import { join } from 'node:path';
import { S3loError } from '@s3lo/core';
import { pull, push, verify } from '@s3lo/core/image';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blobKeyOf, bucketBlobProblems, bucketLocation, bucketReachable, bucketRef, makeRegistry, readTag } from './fixtures/bucket.js';
import { hashFile, parseDoc, skopeoInspect, type Desc } from './fixtures/layout.js';
import { buildMultiPlatformIndex, type MultiPlatformImage } from './fixtures/multi-platform.js';
import { buildSingleImage, type OciImage } from './fixtures/single-image.js';
import { makeTempDir, removeDir, testDir } from './fixtures/temp.js';
import { tamper } from './fixtures/tamper.js';
import { assertToolsInstalled } from './fixtures/tools.js';

// A corrupt blob of the right size in a local:// bucket, with real images
// (umoci gzip layers; a buildah index with an attestation): a push trusts
// it, verify finds it, --repair and --verify-existing heal it, and what is
// pulled afterwards is read by skopeo.
const registry = makeRegistry();

describe('verify and push --verify-existing on real images', () => {
  let dir: string;
  let single: OciImage;
  let multi: MultiPlatformImage;

  beforeAll(async () => {
    assertToolsInstalled();
    dir = await makeTempDir('verify');
    single = await buildSingleImage({ dir, gzip: true });
    multi = await buildMultiPlatformIndex({ dir });
  });
  afterAll(() => removeDir(dir));

  test('a tampered layer and a tampered child manifest: trusted by push, found by verify, healed, then pulled whole', async () => {
    const work = await testDir('verify-heal');
    const bucket = join(work, 'bucket');
    await push(single.ref, bucketRef(bucket, 'app', 'v1'), { registry });
    await push(multi.ref, bucketRef(bucket, 'multi', 'v1'), { registry });
    const layers = parseDoc(await readTag(bucket, 'app', 'v1')).layers as Desc[];
    const layer = [...layers].sort((a, b) => b.size - a.size)[0] as Desc;
    const child = multi.children['linux/arm64'];
    await tamper(join(bucket, blobKeyOf(layer.digest)));
    await tamper(join(bucket, blobKeyOf(child)));

    // A push trusts both; a pull fails.
    expect(await push(single.ref, bucketRef(bucket, 'app', 'v1'), { registry })).toMatchObject({ blobsCopied: 0, blobsRepaired: 0 });
    const failed = await pull(bucketRef(bucket, 'app', 'v1'), `oci:${join(work, 'broken')}:v1`, { registry }).catch((e: unknown) => e);
    expect(S3loError.isInstance(failed, 'DIGEST_MISMATCH')).toBe(true);

    // verify finds both, with the tags they break.
    const found = await verify(bucketLocation(bucket), { registry });
    expect(found.sound).toBe(false);
    expect(found.corruptBlobs.map((b) => [b.digest, b.tags])).toEqual(
      [
        [layer.digest, ['app:v1']],
        [child, ['multi:v1']],
      ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );

    // --verify-existing heals the layer.
    expect(await push(single.ref, bucketRef(bucket, 'app', 'v1'), { registry, verifyExisting: true })).toMatchObject({ blobsCopied: 1, blobsRepaired: 1, bytesCopied: layer.size });
    expect(await hashFile(join(bucket, blobKeyOf(layer.digest)))).toBe(layer.digest);

    // --repair deletes the child; a push of the index restores it.
    const repaired = await verify(bucketLocation(bucket), { registry, repair: true });
    expect(repaired.repair).toEqual({ deleted: [child], skipped: [], brokenUntilPush: ['multi:v1'] });
    expect((await verify(bucketLocation(bucket), { registry })).danglingTags).toEqual([{ tag: 'multi:v1', digest: multi.indexDigest, missing: [child] }]);
    await push(multi.ref, bucketRef(bucket, 'multi', 'v1'), { registry });

    const sound = await verify(bucketLocation(bucket), { registry });
    expect(sound.sound).toBe(true);
    for (const [image, tag] of [
      ['app', 'v1'],
      ['multi', 'v1'],
    ] as const) {
      expect(await bucketBlobProblems(bucket, await bucketReachable(bucket, await readTag(bucket, image, tag)))).toEqual([]);
      const out = join(work, `out-${image}`);
      // The multi image as its healed platform, so skopeo reads that child.
      await pull(bucketRef(bucket, image, tag), `oci:${out}:${tag}`, { registry, ...(image === 'multi' ? { platform: 'linux/arm64' } : {}) });
      expect(await skopeoInspect(`oci:${out}:${tag}`)).toMatchObject({ Os: 'linux', Architecture: image === 'multi' ? 'arm64' : 'amd64' });
    }
  });
});
