import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson, tempDir } from './helpers/cli.js';
import { makeImage, makeIndexImage, type MadeImage } from './helpers/images.js';

// Every command through the built CLI, in text and in -o json/yaml, on a
// local:// bucket in a temporary directory (the CLI's working directory).
let work: string;
let img: MadeImage;
const run = (args: string[]) => runCli(args, { cwd: work });
const json = <T>(args: string[]) => runJson<T>(args, { cwd: work });

beforeAll(async () => {
  work = await tempDir();
  img = await makeImage(join(work, 'layout'), { tag: 'v1', layers: [{ size: 3000 }, { size: 300_000 }] });
});

describe('push, pull, copy', () => {
  it('push prints the library result as one JSON document', async () => {
    const result = await json<Record<string, unknown>>(['push', 'oci:./layout:v1', 'local://./store/team/app:v1']);
    expect(result).toEqual({
      reference: 'local://./store/team/app:v1',
      source: 'oci:./layout:v1',
      digest: img.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      blobsCopied: 3,
      blobsSkipped: 0,
      blobsRepaired: 0,
      bytesCopied: img.totalSize,
      platforms: ['linux/amd64'],
    });
  });

  it('push again skips every blob; the text summary is one line on stdout', async () => {
    const result = await run(['push', 'oci:./layout:v1', 'local://./store/team/app:v1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pushed local:\/\/\.\/store\/team\/app:v1 \(sha256:[0-9a-f]{12}\): 0 blobs copied \(0 B\), 3 skipped, [\d.]+m?s\n$/);
    // stderr is not a terminal: no progress drawn.
    expect(result.stderr).toBe('');
  });

  it('copy between tags of a bucket, with -o yaml', async () => {
    const result = await run(['copy', 'local://./store/team/app:v1', 'local://./store/team/app:latest', '-o', 'yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`digest: ${img.digest}\n`);
    expect(result.stdout).toContain('reference: local://./store/team/app:latest\n');
    expect(result.stdout).toMatch(/blobsSkipped: 3\n/);
  });

  it('pull to an OCI layout and to a docker archive', async () => {
    const toLayout = await json<Record<string, unknown>>(['pull', 'local://./store/team/app:v1', 'oci:./pulled:v1']);
    expect(toLayout).toMatchObject({ digest: img.digest, blobsCopied: 3, reference: 'oci:./pulled:v1' });
    for (const blob of [img.config, ...img.layers]) expect(existsSync(join(work, 'pulled', 'blobs', 'sha256', blob.digest.slice(7)))).toBe(true);
    const text = await run(['pull', 'local://./store/team/app:v1', 'docker-archive:./app.tar:team/app:v1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^pulled docker-archive:\.\/app\.tar:team\/app:v1 /);
    expect(existsSync(join(work, 'app.tar'))).toBe(true);
  });

  it('--verbose off a terminal prints a line per blob on stderr', async () => {
    const result = await run(['pull', 'local://./store/team/app:v1', 'oci:./verbose:v1', '--verbose']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^3 blobs, 29\d\.\d KiB, linux\/amd64$/m);
    expect(result.stderr.match(/^copied +sha256:[0-9a-f]{12} /gm)).toHaveLength(3);
  });

  it('--platform selects platforms of an index (repeatable and comma-separated)', async () => {
    const index = await makeIndexImage(join(work, 'multi'), ['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    const all = await json<{ platforms: string[]; digest: string }>(['push', 'oci:./multi:v1', 'local://./store/multi:all']);
    expect(all.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    expect(all.digest).toBe(index.digest);
    const one = await json<{ platforms: string[]; digest: string }>(['push', 'oci:./multi:v1', 'local://./store/multi:arm64', '--platform', 'linux/arm64']);
    expect(one).toMatchObject({ platforms: ['linux/arm64'], digest: index.children['linux/arm64'] });
    const two = await json<{ platforms: string[] }>(['push', 'oci:./multi:v1', 'local://./store/multi:two', '--platform', 'linux/amd64,linux/arm/v7']);
    expect(two.platforms).toEqual(['linux/amd64', 'linux/arm/v7']);
    const repeated = await json<{ platforms: string[] }>(['push', 'oci:./multi:v1', 'local://./store/multi:rep', '--platform', 'linux/amd64', '--platform=linux/arm64']);
    expect(repeated.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    const missing = await run(['push', 'oci:./multi:v1', 'local://./store/multi:none', '--platform', 'windows/amd64']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*windows\/amd64.*linux\/arm64/m);
  });

  it('--store-option reaches the backend, typed: fsync=false on local://', async () => {
    // The local plugin refuses an fsync that is not a boolean: "false" arrived as false.
    // A store of its own: the tests below count the tags of ./store.
    const result = await json<{ blobsCopied: number; reference: string }>(['push', 'oci:./layout:v1', 'local://./store-options/app:v1', '--store-option', 'fsync=false']);
    expect(result).toMatchObject({ blobsCopied: 3, reference: 'local://./store-options/app:v1' });
    expect(existsSync(join(work, 'store-options', 'manifests', 'app', 'v1', 'manifest.json'))).toBe(true);
    const listed = await json<{ name: string; tags: string[] }[]>(['list', 'local://./store-options', '--store-option=fsync=true']);
    expect(listed).toEqual([{ name: 'app', tags: ['v1'] }]);
  });

  it('--concurrency is passed on', async () => {
    const result = await json<{ blobsSkipped: number }>(['push', 'oci:./layout:v1', 'local://./store/team/app:c1', '--concurrency', '1']);
    expect(result.blobsSkipped).toBe(3);
  });
});

describe('list, inspect', () => {
  it('list -o json is [{ name, tags }], sorted; text is an aligned table', async () => {
    const images = await json<{ name: string; tags: string[] }[]>(['list', 'local://./store']);
    expect(images).toContainEqual({ name: 'team/app', tags: ['c1', 'latest', 'v1'] });
    expect(images.map((i) => i.name)).toEqual([...images.map((i) => i.name)].sort());
    const text = await run(['ls', 'local://./store/team/']);
    expect(text.stdout).toBe('IMAGE     TAGS\nteam/app  c1, latest, v1\n');
  });

  it('an empty list is [] in JSON and nothing on stdout in text', async () => {
    // An empty bucket: a directory that exists (one that does not is a missing bucket, see errors.test.ts).
    await mkdir(join(work, 'empty'));
    expect(await json(['list', 'local://./empty'])).toEqual([]);
    const yaml = await run(['list', 'local://./empty', '-o', 'yaml']);
    expect(yaml.stdout).toBe('[]\n');
    const text = await run(['list', 'local://./empty']);
    expect(text).toMatchObject({ code: 0, stdout: '', stderr: 'no images\n' });
  });

  it('inspect -o json has digest, isIndex, layers, totalSize, platforms; text has the full digest in the header', async () => {
    const info = await json<Record<string, unknown>>(['inspect', 'local://./store/team/app:v1']);
    expect(info).toMatchObject({
      reference: 'local://./store/team/app:v1',
      digest: img.digest,
      isIndex: false,
      tags: ['v1'],
      totalSize: img.totalSize,
      platforms: [],
      config: { digest: img.config.digest, size: img.config.size },
    });
    expect(info['layers']).toEqual(img.layers.map(({ digest, size, mediaType }) => ({ digest, size, mediaType })));
    const text = await run(['inspect', 'local://./store/team/app:v1']);
    expect(text.stdout).toContain(`Digest:      ${img.digest}\n`);
    expect(text.stdout).toMatch(/^LAYER +SIZE +MEDIA TYPE$/m);
    const kib = ((img.layers[1]?.size ?? 0) / 1024).toFixed(1);
    expect(text.stdout).toContain(`${img.layers[1]?.digest.slice(0, 19)}  ${kib} KiB  application/vnd.oci.image.layer.v1.tar\n`);
  });

  it('inspect of an index lists its platforms', async () => {
    const info = await json<{ isIndex: boolean; platforms: { platform: string }[] }>(['inspect', 'local://./store/multi:all']);
    expect(info.isIndex).toBe(true);
    expect(info.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    const text = await run(['inspect', 'local://./store/multi:all']);
    expect(text.stdout).toMatch(/^PLATFORM +DIGEST +LAYERS +SIZE$/m);
    expect(text.stdout).toMatch(/^linux\/arm\/v7 +sha256:[0-9a-f]{12} +1 +/m);
  });

  it('inspect by digest', async () => {
    const info = await json<{ tags: string[] }>(['inspect', `local://./store/team/app@${img.digest}`]);
    expect(info.tags).toEqual(['c1', 'latest', 'v1']);
  });
});

describe('stats, delete, clean', () => {
  it('stats -o json has images, tags, uniqueBlobs, logicalBytes, actualBytes, savedBytes', async () => {
    const s = await json<Record<string, number>>(['stats', 'local://./store']);
    expect(Object.keys(s).sort()).toEqual(['actualBytes', 'images', 'logicalBytes', 'savedBytes', 'tags', 'uniqueBlobs']);
    expect(s['images']).toBe(2);
    expect(s['savedBytes']).toBeGreaterThan(0);
    const text = await run(['stats', 'local://./store']);
    expect(text.stdout).toMatch(/^Images: +2\nTags: +\d+\nUnique blobs: +\d+\nLogical size: +[\d.]+ [KM]iB\nStored size: +[\d.]+ [KM]iB\nSaved: +[\d.]+ [KM]iB \([\d.]+%\)\n$/);
  });

  it('delete removes a tag and prints what it removed', async () => {
    const deleted = await json<Record<string, unknown>>(['delete', 'local://./store/team/app:c1']);
    expect(deleted).toEqual({ reference: 'local://./store/team/app:c1', digest: img.digest, tags: ['c1'] });
    const text = await run(['rm', 'local://./store/multi:rep']);
    expect(text).toMatchObject({ code: 0, stdout: expect.stringMatching(/^deleted local:\/\/\.\/store\/multi:rep \(sha256:[0-9a-f]{12}\)\n$/) });
    const again = await run(['delete', 'local://./store/team/app:c1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: image team\/app:c1 not found in /);
  });

  it('clean is a dry run unless --confirm; --grace 0s reclaims what nothing references', async () => {
    for (const tag of ['all', 'arm64', 'two']) expect((await run(['delete', `local://./store/multi:${tag}`])).code).toBe(0);
    const dry = await json<Record<string, unknown>>(['clean', 'local://./store', '--grace', '0s']);
    expect(dry).toMatchObject({ dryRun: true, skippedRecent: 0, leases: { active: 0, expired: 0 } });
    expect(Object.keys(dry).sort()).toEqual([
      'candidates',
      'deleted',
      'deletedDigests',
      'dryRun',
      'freedBytes',
      'gcRuns',
      'leases',
      'roots',
      'scanned',
      'skippedInUse',
      'skippedRecent',
      'uploads',
    ]);
    const candidates = dry['candidates'] as number;
    expect(candidates).toBeGreaterThan(0);
    // Default grace (1h): everything just written is too young.
    const young = await json<Record<string, number>>(['clean', 'local://./store']);
    expect(young).toMatchObject({ deleted: 0, skippedRecent: candidates });
    const text = await run(['clean', 'local://./store', '--grace', '0s']);
    expect(text.stdout).toMatch(/^Would delete: +\d+ blobs \(/m);
    expect(text.stderr).toBe('dry run: nothing was deleted; run again with --confirm to delete them\n');
    const real = await json<Record<string, unknown>>(['clean', 'local://./store', '--grace', '0s', '--confirm']);
    expect(real).toMatchObject({ dryRun: false, deleted: dry['deleted'], freedBytes: dry['freedBytes'] });
    const after = await json<Record<string, number>>(['clean', 'local://./store', '--grace', '0s']);
    expect(after['candidates']).toBe(0);
    // The image still there is whole.
    expect((await run(['pull', 'local://./store/team/app:v1', 'oci:./after-gc:v1'])).code).toBe(0);
  });
});

describe('version, completion, help', () => {
  it('version -o json: version, node, plugins', async () => {
    const v = await json<{ version: string; node: string; plugins: { name: string; kind: string; serves: string[]; source: string }[] }>(['version']);
    expect(v.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.node).toBe(process.version);
    expect(v.plugins).toEqual([
      { name: '@s3lo/backend-local', kind: 'backend', serves: ['local'], source: 'built-in' },
      { name: '@s3lo/backend-s3', kind: 'backend', serves: ['s3'], source: 'built-in' },
      { name: '@s3lo/backend-gcs', kind: 'backend', serves: ['gs'], source: 'built-in' },
      { name: '@s3lo/backend-azure', kind: 'backend', serves: ['az'], source: 'built-in' },
      { name: '@s3lo/transport-archive', kind: 'transport', serves: ['oci-archive', 'docker-archive'], source: 'built-in' },
    ]);
  });

  it('--version and version print one line; version -v adds Node.js and the plugin table', async () => {
    const line = /^s3lo version \d+\.\d+\.\d+\S*\n$/;
    for (const args of [['--version'], ['version'], ['-q', 'version']]) {
      const result = await run(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(line);
      expect(result.stderr).toBe('');
    }
    const verbose = await run(['version', '-v']);
    expect(verbose.stdout).toMatch(/^s3lo version \d+\.\d+\.\d+\S* \(node v\d+[^)]*\)\n\nPLUGIN +KIND +SERVES +FROM\n/);
    expect(verbose.stdout).toMatch(/^@s3lo\/backend-s3 +backend +s3:\/\/ +built-in$/m);
  });

  it('completion scripts for bash (valid syntax), zsh and fish', async () => {
    const bash = await run(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -o default -F _s3lo s3lo');
    const { execFileSync } = await import('node:child_process');
    execFileSync('bash', ['-n'], { input: bash.stdout });
    // The script completes: commands at the first word, flags of the command after it.
    const complete = (line: string): string =>
      execFileSync('bash', ['-c', `${bash.stdout}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _s3lo; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).trim();
    expect(complete('s3lo pu').split(' ').sort()).toEqual(['pull', 'push']);
    expect(complete('s3lo clean --con')).toBe('--confirm');
    expect(complete('s3lo verify --rep')).toBe('--repair');
    expect(complete('s3lo push --verify')).toBe('--verify-existing');
    expect(complete('s3lo list -o y')).toBe('yaml');
    const zsh = await run(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef s3lo\n/);
    const fish = await run(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c s3lo -n '__fish_seen_subcommand_from clean gc' -l confirm");
    // zsh and fish check their scripts' syntax where they are installed
    // (scripts/install-test-tools.sh does not install them yet).
    const has = (tool: string): boolean => {
      try {
        execFileSync('sh', ['-c', `command -v ${tool}`]);
        return true;
      } catch {
        return false;
      }
    };
    if (has('zsh')) execFileSync('zsh', ['-n'], { input: zsh.stdout });
    if (has('fish')) {
      const file = join(work, 's3lo.fish');
      await writeFile(file, fish.stdout);
      execFileSync('fish', ['-n', file]);
      const offered = execFileSync('fish', ['-c', `${fish.stdout}\ncomplete -C 's3lo clean --co'`], { encoding: 'utf8' });
      expect(offered).toMatch(/^--confirm\t/);
    }
    const doc = await json<{ shell: string; script: string }>(['completion', 'fish']);
    expect(doc.shell).toBe('fish');
  });

  it('--help and help <command> print to stdout and exit 0', async () => {
    const general = await run(['--help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toMatch(/^exit codes:\n {2}0 +success\n {2}1 +the operation failed/m);
    for (const command of ['push', 'pull', 'copy', 'list', 'inspect', 'delete', 'clean', 'stats', 'verify', 'version', 'completion']) {
      expect(general.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
      const help = await run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: s3lo ${command}`));
    }
    expect((await run(['help', 'clean'])).stdout).toContain('--confirm');
  });
});

describe('the local:// bucket trap', () => {
  it('warns when the first directory taken as the bucket holds other things and no bucket, and says how to write the deeper one', async () => {
    // ./srv holds something else; the user meant ./srv/s3lo/images as the bucket.
    await mkdir(join(work, 'srv', 'www'), { recursive: true });
    await writeFile(join(work, 'srv', 'notes.txt'), 'not a bucket\n');
    const trap = await run(['push', 'oci:./layout:v1', 'local://./srv/s3lo/images/app:v1']);
    expect(trap.code, trap.stderr).toBe(0);
    expect(trap.stderr).toBe(
      'warning: local://./srv is the bucket here (a local:// bucket is the first directory after "/", "./" or "../"), ' +
        'and it holds other things but no s3lo bucket; if you meant ./srv/s3lo/images, write local://./srv/s3lo/images//app:v1\n',
    );
    // Written the suggested way: a bucket of its own, no warning.
    const meant = await run(['push', 'oci:./layout:v1', 'local://./srv/s3lo/images//app:v1']);
    expect(meant.code, meant.stderr).toBe(0);
    expect(meant.stderr).toBe('');
    expect(existsSync(join(work, 'srv', 's3lo', 'images', 'manifests', 'app', 'v1', 'manifest.json'))).toBe(true);
    // Once ./srv holds a bucket (the first push made one), or with --quiet, nothing is said.
    expect((await run(['list', 'local://./srv/s3lo/'])).stderr).toBe('');
    // ./other-dir holds other things and no bucket: it would warn, but --quiet.
    await mkdir(join(work, 'other-dir', 'a'), { recursive: true });
    await writeFile(join(work, 'other-dir', 'notes.txt'), 'not a bucket\n');
    const quiet = await run(['list', '-q', 'local://./other-dir/a/b/']);
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
  });

  it('says nothing for a one-component image, a new directory, or a directory that is a bucket', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(work, 'busy'), { recursive: true });
    await writeFile(join(work, 'busy', 'x.txt'), 'x');
    for (const args of [
      ['push', 'oci:./layout:v1', 'local://./busy/app:v1'],
      ['push', 'oci:./layout:v1', 'local://./brand-new/team/app:v1'],
      ['push', 'oci:./layout:v1', 'local://./bucket2/team/app:v1'],
      ['list', 'local://./bucket2/team/'],
    ]) {
      const result = await run(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr, args.join(' ')).toBe('');
    }
  });
});
