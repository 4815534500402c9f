import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson, tempDir } from './helpers/cli.js';
import { makeImage, type MadeImage } from './helpers/images.js';

// --force, as in the Go s3lo: a bucket's s3lo.yaml may mark images
// immutable; their existing tags are then neither overwritten nor deleted
// without --force. (Written here the way the Go tool's yaml.v3 writes it.)
let work: string;
let a: MadeImage;
let b: MadeImage;
const run = (args: string[]) => runCli(args, { cwd: work });
const digestOf = async (ref: string) => (await runJson<{ digest: string }>(['inspect', ref], { cwd: work })).digest;

beforeAll(async () => {
  work = await tempDir('s3lo-immutable-');
  a = await makeImage(join(work, 'a'), { layers: [{ size: 1000 }] });
  b = await makeImage(join(work, 'b'), { layers: [{ size: 2000 }] });
  await mkdir(join(work, 'store'), { recursive: true });
  await writeFile(join(work, 'store', 's3lo.yaml'), 'default:\n    immutable: false\nimages:\n    team/*:\n        immutable: true\n');
});

describe('immutable tags (s3lo.yaml) and --force', () => {
  it('a new tag is written; the same image again is fine; a different one is refused without --force', async () => {
    expect((await run(['push', 'oci:./a:v1', 'local://./store/team/app:v1'])).code).toBe(0);
    expect((await run(['push', 'oci:./a:v1', 'local://./store/team/app:v1'])).code).toBe(0);
    const refused = await run(['push', 'oci:./b:v1', 'local://./store/team/app:v1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `error: local://./store/team/app:v1 already exists (${a.digest}) and s3lo.yaml marks team/app immutable\nhint: push to a new tag, or pass --force to overwrite it\n`,
    );
    expect(await digestOf('local://./store/team/app:v1')).toBe(a.digest);
    // Refused before any blob moved: b's layer is not in the bucket.
    const stats = await runJson<{ uniqueBlobs: number }>(['stats', 'local://./store'], { cwd: work });
    expect(stats.uniqueBlobs).toBe(2);
    const copied = await run(['copy', 'oci:./b:v1', 'local://./store/team/app:v1']);
    expect(copied.code).toBe(1);
    const forced = await run(['push', 'oci:./b:v1', 'local://./store/team/app:v1', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await digestOf('local://./store/team/app:v1')).toBe(b.digest);
  });

  it('images the configuration does not cover stay mutable', async () => {
    expect((await run(['push', 'oci:./a:v1', 'local://./store/other:v1'])).code).toBe(0);
    expect((await run(['push', 'oci:./b:v1', 'local://./store/other:v1'])).code).toBe(0);
    expect(await digestOf('local://./store/other:v1')).toBe(b.digest);
    expect((await run(['delete', 'local://./store/other:v1'])).code).toBe(0);
  });

  it('delete of an immutable image needs --force', async () => {
    const refused = await run(['delete', 'local://./store/team/app:v1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: s3lo.yaml marks team/app immutable: its tags are not deleted\nhint: pass --force to delete it anyway\n');
    expect((await run(['delete', 'local://./store/team/app:v1', '--force'])).code).toBe(0);
  });

  it('an unreadable s3lo.yaml fails closed; --force goes ahead', async () => {
    await writeFile(join(work, 'store', 's3lo.yaml'), 'default: [unclosed\n');
    const refused = await run(['push', 'oci:./a:v1', 'local://./store/team/app:v2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: s3lo\.yaml of local:\/\/\/.*store is not valid: .*\nhint: fix s3lo\.yaml, or pass --force to ignore its immutability settings\n$/);
    expect((await run(['push', 'oci:./a:v1', 'local://./store/team/app:v2', '--force'])).code).toBe(0);
  });
});
