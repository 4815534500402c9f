import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { image } from '@s3lo/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  MiB,
  adminClient,
  backendOptions,
  blobKeyOf,
  cephServer,
  listKeys,
  makeImage,
  makeMultiPlatformImage,
  makeRegistry,
  makeTempDir,
  removeBucket,
  removeDir,
  s3lo,
  type MultiImage,
  type SingleImage,
} from './support.js';

const server = cephServer();
const registry = makeRegistry();

/** Rewrites an object with 16 bytes in its middle flipped: same key, same size, wrong content. */
async function tamper(bucket: string, key: string): Promise<void> {
  const client = adminClient(server!);
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from(await out.Body!.transformToByteArray());
  const at = Math.floor(bytes.length / 2);
  for (let i = at; i < Math.min(bytes.length, at + 16); i++) bytes[i] = (bytes[i] as number) ^ 0xff;
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
}

interface Report {
  sound: boolean;
  corruptBlobs: { digest: string; problem: string; tags: string[] }[];
  danglingTags: { tag: string; missing: string[] }[];
  repair: { deleted: string[]; skipped: unknown[]; brokenUntilPush: string[] } | null;
}

describe.runIf(server !== undefined)('ceph-rgw: verify, --repair and push --verify-existing', () => {
  let dir: string;
  let solo: SingleImage;
  let multi: MultiImage;
  let bucket: string;
  const credentials = () => ({ accessKeyId: server!.accessKeyId, secretAccessKey: server!.secretAccessKey });
  const store = () => ['--endpoint', server!.endpoint, '--region', server!.region];
  const options = () => ({ registry, backendOptions: backendOptions(server!) });
  const cli = async (args: string[]): Promise<{ code: number | null; doc: Report & Record<string, unknown>; stderr: string }> => {
    const result = await s3lo([...args, ...store(), '-o', 'json'], credentials());
    return { code: result.code, doc: JSON.parse(result.stdout || 'null') as Report & Record<string, unknown>, stderr: result.stderr };
  };

  beforeAll(async () => {
    dir = await makeTempDir('verify');
    // A layer big enough to be stored in multipart and read back in ranges.
    solo = await makeImage(join(dir, 'solo'), [3000, 24 * MiB]);
    multi = await makeMultiPlatformImage(join(dir, 'multi'));
    bucket = await server!.createBucket();
  });
  afterAll(async () => {
    await removeBucket(server!, bucket).catch(() => {});
    await removeDir(dir);
  });

  test('the regression: a corrupt blob of the right size is skipped by push, found by verify, healed by --verify-existing and by --repair plus a push', async () => {
    await image.push(solo.ref, `s3://${bucket}/team/app:v1`, options());
    await image.push(multi.ref, `s3://${bucket}/team/multi:v1`, options());
    const layer = solo.layers[0]!.size > solo.layers[1]!.size ? solo.layers[0]! : solo.layers[1]!;
    const child = multi.children[1]!.manifest.digest;
    await tamper(bucket, blobKeyOf(layer.digest));
    await tamper(bucket, blobKeyOf(child));

    // A push trusts both.
    expect(await image.push(solo.ref, `s3://${bucket}/team/app:v1`, options())).toMatchObject({ blobsCopied: 0, blobsRepaired: 0 });

    // verify (library and CLI) names them and the tags they break; the CLI exits 1.
    const found = await image.verify(`s3://${bucket}`, options());
    expect(found.sound).toBe(false);
    expect(found.corruptBlobs.map((b) => [b.digest, b.problem, b.tags]).sort()).toEqual(
      [
        [layer.digest, 'digest-mismatch', ['team/app:v1']],
        [child, 'digest-mismatch', ['team/multi:v1']],
      ].sort(),
    );
    const viaCli = await cli(['verify', `s3://${bucket}`]);
    expect(viaCli.code, viaCli.stderr).toBe(1);
    expect(viaCli.doc.corruptBlobs).toEqual(found.corruptBlobs);

    // push --verify-existing re-hashes what Ceph holds and rewrites the layer.
    const healed = await cli(['push', solo.ref, `s3://${bucket}/team/app:v1`, '--verify-existing']);
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.doc).toMatchObject({ blobsCopied: 1, blobsRepaired: 1, bytesCopied: layer.size });

    // --repair deletes the corrupt child manifest (nothing else), and says which tag needs a push.
    const before = await listKeys(server!, bucket);
    const repaired = await cli(['verify', `s3://${bucket}`, '--repair']);
    expect(repaired.code, repaired.stderr).toBe(1);
    expect(repaired.doc.repair).toEqual({ deleted: [child], skipped: [], brokenUntilPush: ['team/multi:v1'] });
    expect(await listKeys(server!, bucket)).toEqual(before.filter((key) => key !== blobKeyOf(child)));
    const dangling = await cli(['verify', `s3://${bucket}/team/multi:v1`]);
    expect([dangling.code, dangling.doc.danglingTags]).toEqual([1, [{ tag: 'team/multi:v1', digest: multi.index.digest, missing: [child] }]]);

    // The next push restores it: sound, exit 0, no GC marker or lease left behind.
    expect((await s3lo(['push', '-q', multi.ref, `s3://${bucket}/team/multi:v1`, ...store()], credentials())).code).toBe(0);
    const sound = await cli(['verify', `s3://${bucket}`, '--concurrency', '8']);
    expect([sound.code, sound.doc.sound]).toEqual([0, true]);
    expect((await listKeys(server!, bucket)).filter((key) => !key.startsWith('blobs/') && !key.startsWith('manifests/'))).toEqual([]);
  });
});
