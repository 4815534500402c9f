import { join } from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { freePort } from '@s3lo/s3-servers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminClient, cephServer, listKeys, makeImage, makeTempDir, removeBucket, removeDir, s3lo, type CliRun, type SingleImage } from './support.js';

const server = cephServer();

/**
 * Exit 1, nothing on stdout, and on stderr exactly one `error: ...` line, first,
 * followed at most by the CLI's one `hint: ...` line (packages/cli/src/errors/report.ts
 * renders an error as `error:` plus an optional `hint:`). Returns the error line.
 */
function expectOneErrorLine(result: CliRun): string {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines.length, result.stderr).toBeGreaterThanOrEqual(1);
  expect(lines.length, result.stderr).toBeLessThanOrEqual(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(
    lines.slice(1).every((line) => line.startsWith('hint: ')),
    result.stderr,
  ).toBe(true);
  return lines[0]!;
}

async function bucketExists(bucket: string): Promise<boolean> {
  try {
    await adminClient(server!).send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

describe.runIf(server !== undefined)('ceph-rgw: CLI faults', () => {
  let dir: string;
  let img: SingleImage;
  let bucket: string;
  const good = () => ({ accessKeyId: server!.accessKeyId, secretAccessKey: server!.secretAccessKey });

  beforeAll(async () => {
    dir = await makeTempDir('cli');
    img = await makeImage(join(dir, 'layout'), [2048, 30_000]);
    bucket = await server!.createBucket();
  });
  afterAll(async () => {
    await removeBucket(server!, bucket).catch(() => {});
    await removeDir(dir);
  });

  test('the CLI works against Ceph with good credentials (control)', async () => {
    const pushed = await s3lo(['push', '-q', img.ref, `s3://${bucket}/ctl:v1`, '--endpoint', server!.endpoint, '--region', server!.region], good());
    expect(pushed.code, pushed.stderr).toBe(0);
    const listed = await s3lo(['list', '-o', 'json', `s3://${bucket}`, '--endpoint', server!.endpoint, '--region', server!.region], good());
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('ctl');
    const deleted = await s3lo(['delete', '-q', `s3://${bucket}/ctl:v1`, '--endpoint', server!.endpoint, '--region', server!.region], good());
    expect(deleted.code, deleted.stderr).toBe(0);
    const gc = await s3lo(['gc', '-q', '--confirm', `s3://${bucket}`, '--endpoint', server!.endpoint, '--region', server!.region], good());
    expect(gc.code, gc.stderr).toBe(0);
  });

  test.each(['push', 'list'])('wrong credentials (%s): permission denied, exit 1, nothing written', async (command) => {
    const before = await listKeys(server!, bucket);
    const args = command === 'push' ? ['push', img.ref, `s3://${bucket}/app:v1`] : ['list', `s3://${bucket}`];
    const result = await s3lo([...args, '--endpoint', server!.endpoint, '--region', server!.region], { accessKeyId: 'NOPE', secretAccessKey: 'wrong-secret' });
    const line = expectOneErrorLine(result);
    expect(line).toMatch(/access denied|permission denied/i);
    expect(await listKeys(server!, bucket)).toEqual(before);
  });

  test('no credentials anywhere: says none were found (not "access denied"), exit 1, nothing written', async () => {
    const before = await listKeys(server!, bucket);
    const home = join(dir, 'empty-home');
    const result = await s3lo(['push', img.ref, `s3://${bucket}/app:v1`, '--endpoint', server!.endpoint, '--region', server!.region], null, {
      // No shared files, no instance metadata (it would be tried for seconds): the default chain finds nothing.
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const line = expectOneErrorLine(result);
    expect(line).toMatch(/no AWS credentials found/);
    expect(result.stderr).toMatch(/^hint: .*AWS_ACCESS_KEY_ID/m);
    expect(await listKeys(server!, bucket)).toEqual(before);
  });

  // pull and inspect read the tag first: its NoSuchBucket was reported as "image app:v1 not found".
  test.each(['push', 'list', 'pull', 'inspect'])('missing bucket (%s): says the bucket does not exist, exit 1, no bucket made', async (command) => {
    const missing = `s3lo-missing-${Date.now().toString(36)}-${command}`;
    const args = {
      push: ['push', img.ref, `s3://${missing}/app:v1`],
      list: ['list', `s3://${missing}`],
      pull: ['pull', `s3://${missing}/app:v1`, `oci:${join(dir, `pulled-${command}`)}:v1`],
      inspect: ['inspect', `s3://${missing}/app:v1`],
    }[command]!;
    const result = await s3lo([...args, '--endpoint', server!.endpoint, '--region', server!.region], good());
    const line = expectOneErrorLine(result);
    expect(line).toBe(`error: the bucket "${missing}" does not exist`);
    expect(result.stderr).toMatch(/^hint: check the bucket name/m);
    expect(await bucketExists(missing)).toBe(false);
  });

  test.each(['push', 'list'])('endpoint down (%s): cannot connect, exit 1 within seconds', async (command) => {
    const port = await freePort();
    const before = await listKeys(server!, bucket);
    const args = command === 'push' ? ['push', img.ref, `s3://${bucket}/app:v1`] : ['list', `s3://${bucket}`];
    const result = await s3lo([...args, '--endpoint', `http://127.0.0.1:${port}`, '--region', server!.region], good());
    const line = expectOneErrorLine(result);
    expect(line).toMatch(/connect/i);
    // How soon it gives up is the backend's retry policy, checked without a
    // clock in backend-s3 (fake-s3.test.ts: attempts and back-off); a wall-clock
    // bound here measured the machine's load as much as the CLI.
    expect(await listKeys(server!, bucket)).toEqual(before);
    console.log(`endpoint down (${command}): exit ${result.code} after ${(result.ms / 1000).toFixed(1)} s: ${line}`);
  });
});
