import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers/cli.js';
import { makeImage, makeIndexImage, type MadeImage } from './helpers/images.js';

// s3lo verify and push --verify-existing through the built CLI, on a
// local:// bucket in a temporary directory (the CLI's working directory).
let work: string;
let img: MadeImage;
let multi: Awaited<ReturnType<typeof makeIndexImage>>;
const run = (args: string[]) => runCli(args, { cwd: work });

/** Runs with -o json and parses stdout, whatever the exit code (verify exits 1 with a report). */
async function json<T = Record<string, unknown>>(args: string[]): Promise<{ code: number | null; doc: T; stderr: string }> {
  const result = await run([...args, '-o', 'json']);
  return { code: result.code, doc: JSON.parse(result.stdout) as T, stderr: result.stderr };
}

const blobFile = (digest: string) => join(work, 'store', 'blobs', 'sha256', digest.slice('sha256:'.length));

/** Flips bytes in the middle of a stored blob, keeping its size: what a push trusts. */
async function tamper(digest: string): Promise<void> {
  const handle = await open(blobFile(digest), 'r+');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(8);
    await handle.read(bytes, 0, 8, Math.floor(size / 2));
    await handle.write(Buffer.from(bytes.map((b) => b ^ 0xff)), 0, 8, Math.floor(size / 2));
  } finally {
    await handle.close();
  }
}

async function stored(digest: string): Promise<string> {
  return `sha256:${createHash('sha256')
    .update(await readFile(blobFile(digest)))
    .digest('hex')}`;
}

interface Report {
  sound: boolean;
  scope: string;
  checked: { tags: number; manifests: number; blobs: number; bytes: number };
  corruptBlobs: { digest: string; problem: string; tags: string[] }[];
  missingBlobs: { digest: string; tags: string[] }[];
  danglingTags: { tag: string; missing: string[] }[];
  brokenTags: { tag: string }[];
  repair: { deleted: string[]; skipped: unknown[]; brokenUntilPush: string[] } | null;
  leftovers: { gcRuns: { expired: number }; leases: { expired: number; expiredKeys: string[] }; uploads: { stale: number } | null } | null;
}

beforeAll(async () => {
  work = await tempDir();
  img = await makeImage(join(work, 'layout'), { tag: 'v1', layers: [{ size: 3000 }, { size: 200_000 }] });
  multi = await makeIndexImage(join(work, 'multi'), ['linux/amd64', 'linux/arm64'], 'v1');
  for (const [from, to] of [
    ['oci:./layout:v1', 'local://./store/team/app:v1'],
    ['oci:./layout:v1', 'local://./store/team/app:v2'],
    ['oci:./multi:v1', 'local://./store/team/multi:v1'],
  ] as const) {
    expect((await run(['push', from, to])).code).toBe(0);
  }
});

describe('s3lo verify', () => {
  it('a sound bucket: exit 0, one JSON document, a one-line text summary', async () => {
    const { code, doc } = await json<Report>(['verify', 'local://./store']);
    expect(code).toBe(0);
    expect(Object.keys(doc).sort()).toEqual(
      ['brokenTags', 'checked', 'corruptBlobs', 'danglingTags', 'leftovers', 'missingBlobs', 'reference', 'repair', 'scope', 'sound', 'unreadableManifests'].sort(),
    );
    // 3 blobs of the single image; 2 children + 2 configs + 2 layers of the index.
    expect(doc).toMatchObject({
      sound: true,
      scope: 'bucket',
      checked: { tags: 3, manifests: 5, blobs: 9 },
      repair: null,
      leftovers: { gcRuns: { expired: 0 }, leases: { expired: 0 }, uploads: { stale: 0 } },
    });
    const text = await run(['verify', 'local://./store']);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toMatch(/^local:\/\/\.\/store: sound; checked 3 tags, 5 manifests, 9 blobs \([\d.]+ KiB\)\n$/);
  });

  it('leftovers of a killed push are reported (exit 0: they break no image) with the command that removes them', async () => {
    const lease = join(work, 'store', 'leases', 'killed.json');
    await mkdir(dirname(lease), { recursive: true });
    await writeFile(lease, JSON.stringify({ kind: 's3lo-push-lease', version: 1, created: '2026-01-01T00:00:00Z', expires: '2026-01-01T00:15:00Z', digests: [img.digest] }));
    try {
      const { code, doc } = await json<Report>(['verify', 'local://./store']);
      expect(code).toBe(0);
      expect(doc.leftovers?.leases).toMatchObject({ expired: 1, expiredKeys: ['leases/killed.json'] });
      const text = await run(['verify', 'local://./store']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/: sound; checked .*\nLeftovers: +1 expired push lease\n$/);
      expect(text.stderr).toBe('hint: s3lo clean local://./store --confirm removes what killed runs and pushes left\n');
      expect((await json<Report>(['verify', 'local://./store/team/app:v1'])).doc.leftovers).toBeNull();
    } finally {
      await rm(lease);
    }
  });

  it('the regression: a corrupt blob of the right size is skipped by push, healed by --verify-existing, found by verify (exit 1), deleted by --repair, restored by the next push', async () => {
    const layer = img.layers[1]!;
    const child = multi.children['linux/arm64']!;
    await tamper(layer.digest);
    await tamper(child);

    // A plain push trusts both.
    const trusting = await json(['push', 'oci:./layout:v1', 'local://./store/team/app:v1']);
    expect(trusting.doc).toMatchObject({ blobsCopied: 0, blobsSkipped: 3, blobsRepaired: 0 });
    expect(await stored(layer.digest)).not.toBe(layer.digest);

    // verify names them and the tags they break; exit 1.
    const found = await json<Report>(['verify', 'local://./store']);
    expect(found.code).toBe(1);
    expect(found.doc.sound).toBe(false);
    expect(found.doc.corruptBlobs.map((b) => [b.digest, b.problem, b.tags])).toEqual(
      [
        [layer.digest, 'digest-mismatch', ['team/app:v1', 'team/app:v2']],
        [child, 'digest-mismatch', ['team/multi:v1']],
      ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );
    const text = await run(['verify', 'local://./store']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^Broken tags: +3 \(0 dangling\)$/m);
    expect(text.stdout).toMatch(new RegExp(`^corrupt +${layer.digest.slice(0, 19)} +[\\d.]+ KiB +team/app:v1, team/app:v2$`, 'm'));
    expect(text.stderr).toMatch(/^hint: run again with --repair/m);

    // push --verify-existing heals the layer (and says so on stderr).
    const healing = await run(['push', 'oci:./layout:v1', 'local://./store/team/app:v1', '--verify-existing']);
    expect(healing.code).toBe(0);
    expect(healing.stdout).toMatch(/: 1 blob copied \([\d.]+ KiB\), 2 skipped, 1 corrupt rewritten, /);
    expect(healing.stderr).toBe(`rewrote ${layer.digest.slice(0, 19)}: the bucket held it corrupt\n`);
    expect(await stored(layer.digest)).toBe(layer.digest);

    // --repair deletes the corrupt child manifest and says which tag needs a push.
    const repaired = await json<Report>(['verify', 'local://./store', '--repair']);
    expect(repaired.code).toBe(1);
    expect(repaired.doc.repair).toEqual({ deleted: [child], skipped: [], brokenUntilPush: ['team/multi:v1'] });
    expect(existsSync(blobFile(child))).toBe(false);
    const dangling = await json<Report>(['verify', 'local://./store/team/']);
    expect([dangling.code, dangling.doc.scope, dangling.doc.danglingTags]).toEqual([1, 'images', [{ tag: 'team/multi:v1', digest: multi.digest, missing: [child] }]]);

    // The next push uploads it again: sound, exit 0.
    expect((await run(['push', 'oci:./multi:v1', 'local://./store/team/multi:v1'])).code).toBe(0);
    expect((await run(['verify', 'local://./store'])).code).toBe(0);
  });

  it('one tag, a digest, and what is not there', async () => {
    const tag = await json<Report>(['verify', 'local://./store/team/app:v2']);
    expect([tag.code, tag.doc.scope, tag.doc.checked.tags]).toEqual([0, 'image', 1]);
    const digest = await json<Report>(['verify', `local://./store/team/multi@${multi.children['linux/amd64']}`]);
    expect([digest.code, digest.doc.checked.tags]).toEqual([0, 1]);
    const missing = await run(['verify', 'local://./store/team/app:nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: image team\/app:nope not found in /);
    expect(missing.stdout).toBe('');
  });

  it('--verbose off a terminal: a line per blob hashed', async () => {
    const result = await run(['verify', 'local://./store/team/app:v1', '-v']);
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('hashed '))).toHaveLength(3);
    expect(result.stderr).toMatch(/^3 blobs, [\d.]+ KiB$/m);
  });

  it('usage errors exit 2 before anything is done', async () => {
    for (const args of [
      ['verify'],
      ['verify', 'local://./store/team/app:v1:x'],
      ['verify', 'local://./store', '--concurrency', '0'],
      ['verify', 'local://./store', '--confirm'],
      ['copy', 'oci:./layout:v1', 'oci:./elsewhere:v1', '--verify-existing'],
      ['pull', 'local://./store/team/app:v1', 'oci:./elsewhere:v1', '--verify-existing'],
    ]) {
      const result = await run(args);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 2]);
      expect(result.stdout).toBe('');
    }
    expect(existsSync(join(work, 'elsewhere'))).toBe(false);
    // --verify-existing into a bucket is fine, pull included.
    const pulled = await json(['pull', 'local://./store/team/app:v1', 'local://./other/app:v1', '--verify-existing']);
    expect([pulled.code, pulled.doc['blobsRepaired']]).toEqual([0, 0]);
  });
});
