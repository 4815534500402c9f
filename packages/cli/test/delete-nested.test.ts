import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson, tempDir } from './helpers/cli.js';
import { makeImage, type MadeImage } from './helpers/images.js';

// Issue 8, point 1, as a new user met it: three pushes into ./dl, where the
// tag `app` of image `team` shares its key prefix with image `team/app`;
// deleting team:app once took team/app with it, and the next clean its blobs.
let work: string;
const images: Record<string, MadeImage> = {};
const run = (args: string[]) => runCli(args, { cwd: work });
const json = <T>(args: string[]) => runJson<T>(args, { cwd: work });

beforeAll(async () => {
  work = await tempDir();
  for (const [name, size] of [
    ['team/app:v1', 1000],
    ['team/app:v2', 2000],
    ['team:app', 3000],
    ['team/app/deeper:app', 4000],
  ] as const) {
    images[name] = await makeImage(join(work, `layout-${size}`), { tag: 't', layers: [{ size }] });
    expect((await run(['push', images[name].ref, `local://./dl/${name}`])).code, name).toBe(0);
  }
});

describe('delete beside nested names (local://, the CLI)', () => {
  it('delete team:app keeps team/app and team/app/deeper; clean --confirm then leaves every other tag whole', async () => {
    const deleted = await run(['delete', 'local://./dl/team:app']);
    expect(deleted).toMatchObject({ code: 0, stdout: expect.stringMatching(/^deleted local:\/\/\.\/dl\/team:app \(sha256:/) });
    expect(await json(['list', 'local://./dl'])).toEqual([
      { name: 'team/app', tags: ['v1', 'v2'] },
      { name: 'team/app/deeper', tags: ['app'] },
    ]);

    // By digest: team/app:v2's digest, asked of image team (which has no such tag), deletes nothing.
    const byDigest = await run(['delete', `local://./dl/team@${images['team/app:v2']!.digest}`]);
    expect(byDigest.code).toBe(1);
    expect(byDigest.stderr).toMatch(/^error: no tag of team in .* has digest sha256:/);

    const cleaned = await json<{ deleted: number }>(['clean', 'local://./dl', '--grace', '0s', '--confirm']);
    expect(cleaned.deleted).toBe(2); // team:app's config and layer, nothing else
    for (const name of ['team/app:v1', 'team/app:v2', 'team/app/deeper:app']) {
      const pulled = await json<{ digest: string }>(['pull', `local://./dl/${name}`, `oci:./out-${name.replace(/[/:]/g, '-')}:t`]);
      expect(pulled.digest, name).toBe(images[name]!.digest);
    }
  });
});
