import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MiB, adminClient, blobKeyOf, cephServer, listKeys, makeImage, makeTempDir, removeBucket, removeDir, s3lo, tagKeyOf, type SingleImage } from './support.js';

const server = cephServer();

/** The ETag Ceph reports for a key, quotes included. */
async function etagOf(bucket: string, key: string): Promise<string> {
  return (await adminClient(server!).send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '';
}

describe.runIf(server !== undefined)('ceph-rgw: --store-option reaches the s3 backend', () => {
  let dir: string;
  let img: SingleImage;
  const buckets: string[] = [];
  const credentials = () => ({ accessKeyId: server!.accessKeyId, secretAccessKey: server!.secretAccessKey });
  const store = () => ['--endpoint', server!.endpoint, '--region', server!.region];

  beforeAll(async () => {
    dir = await makeTempDir('store-options');
    // One layer of ~12 MiB: under the default 16 MiB multipart threshold, three 5 MiB parts with the options below.
    img = await makeImage(join(dir, 'layout'), [12 * MiB]);
  });
  afterAll(async () => {
    for (const bucket of buckets) await removeBucket(server!, bucket).catch(() => {});
    await removeDir(dir);
  });

  test('multipartThreshold and partSize from the command line make the layer a 3-part multipart object; without them it is one PutObject', async () => {
    const layer = img.layers[0]!;
    expect(layer.size).toBeGreaterThan(10 * MiB);
    expect(layer.size).toBeLessThan(15 * MiB);
    const tuned = await server!.createBucket();
    const plain = await server!.createBucket();
    buckets.push(tuned, plain);

    const options = ['--store-option', 'multipartThreshold=5242880', '--store-option', 'partSize=5242880'];
    const pushed = await s3lo(['push', '-q', img.ref, `s3://${tuned}/app:v1`, ...store(), ...options], credentials());
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(await etagOf(tuned, blobKeyOf(layer.digest)), 'multipart: 3 parts of 5 MiB').toMatch(/^"[0-9a-f]{32}-3"$/);

    const control = await s3lo(['push', '-q', img.ref, `s3://${plain}/app:v1`, ...store()], credentials());
    expect(control.code, control.stderr).toBe(0);
    expect(await etagOf(plain, blobKeyOf(layer.digest)), 'one PutObject: no -N suffix').toMatch(/^"[0-9a-f]{32}"$/);

    // Both pushes are complete images, the same keys in both buckets.
    const keys = await listKeys(server!, tuned);
    expect(keys).toContain(tagKeyOf('app', 'v1'));
    expect(await listKeys(server!, plain)).toEqual(keys);
  });
});
