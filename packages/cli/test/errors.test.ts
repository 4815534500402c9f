import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson, tempDir } from './helpers/cli.js';
import { filesUnder, makeImage } from './helpers/images.js';

// Exit codes and messages for what users get wrong. A usage error (exit 2)
// is found before any work: the bucket directory must not even be created.
let work: string;
const run = (args: string[]) => runCli(args, { cwd: work });
const runJsonIn = (args: string[]) => runJson(args, { cwd: work });

beforeAll(async () => {
  work = await tempDir();
  await makeImage(join(work, 'layout'));
});

/** Runs a command that must fail with a usage error without touching the store. */
async function usage(args: string[]) {
  const result = await run(args);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).toMatch(/^usage: s3lo /m);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack without --verbose
  expect(await filesUnder(join(work, 'store'))).toEqual([]);
  return result.stderr;
}

describe('usage errors exit 2 before any work', () => {
  it('no command, unknown command (with a suggestion)', async () => {
    expect(await usage([])).toMatch(/^error: no command given$/m);
    expect(await usage(['pussh', 'a', 'b'])).toMatch(/^error: unknown command "pussh"\nhint: did you mean 'push'\?/);
  });

  it('a misspelt flag gets a suggestion from the flags of its command, as a misspelt command does', async () => {
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--platfrom', 'linux/amd64'])).toMatch(
      /^error: unknown flag --platfrom\nhint: did you mean --platform\? run 's3lo push --help' for its flags\n/,
    );
    expect(await usage(['list', 'local://./store', '--outptu=json'])).toMatch(/^hint: did you mean --output\? /m);
    expect(await usage(['clean', 'local://./store', '--confrim'])).toMatch(/^hint: did you mean --confirm\? /m);
    // Nothing close: no guess.
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--bogus'])).toMatch(/^hint: run 's3lo push --help' for its flags$/m);
  });

  it('unknown flags, flags of other commands, missing or extra values', async () => {
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--bogus'])).toMatch(/^error: unknown flag --bogus$/m);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--confirm'])).toMatch(/^error: push has no --confirm flag$/m);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--platform'])).toMatch(/^error: --platform needs a value/m);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--platform', '--force'])).toMatch(/^error: --platform needs a value/m);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--force=yes'])).toMatch(/^error: --force takes no value$/m);
    expect(await usage(['push', 'oci:./layout:v1'])).toMatch(/^error: push needs 2 arguments: <destination> is missing$/m);
    expect(await usage(['list', 'local://./store', 'extra'])).toMatch(/^error: list takes 1 argument, got 2: unexpected "extra"$/m);
  });

  it('bad -o, bad durations, bad numbers, bad endpoint, bad platform', async () => {
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '-o', 'xml'])).toMatch(/^error: -o\/--output "xml" is not an output format\nhint: use one of text, json, yaml/m);
    expect(await usage(['list', 'local://./store', '--output=table'])).toMatch(/is not an output format/);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--timeout', '10'])).toMatch(/^error: --timeout "10" is not a duration\nhint: write it like 30s/m);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--timeout', '0s'])).toMatch(/^error: --timeout must be longer than 0/m);
    expect(await usage(['clean', 'local://./store', '--grace', '1 hour'])).toMatch(/--grace "1 hour" is not a duration/);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--concurrency', '0'])).toMatch(/--concurrency "0" is not a whole number from 1 to 256/);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--concurrency', 'many'])).toMatch(/--concurrency "many"/);
    expect(await usage(['list', 'local://./store', '--endpoint', 'minio:9000'])).toMatch(/--endpoint "minio:9000" is not an http:\/\/ or https:\/\/ URL/);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--platform', 'linux'])).toMatch(/^error: invalid platform "linux"/m);
  });

  it('--store-option: no "=", no name, a name twice, next to its own flag, or an option the backend does not have', async () => {
    const push = ['push', 'oci:./layout:v1', 'local://./store/app:v1'];
    expect(await usage([...push, '--store-option', 'fsync'])).toMatch(/^error: --store-option "fsync" has no "="\nhint: write --store-option name=value/);
    expect(await usage([...push, '--store-option', '=false'])).toMatch(/^error: --store-option "=false" has no option name before "="$/m);
    expect(await usage([...push, '--store-option', 'fsync=false', '--store-option=fsync=true'])).toMatch(/^error: --store-option fsync is given twice$/m);
    expect(await usage([...push, '--store-option', 'signal=x'])).toMatch(/^error: --store-option signal is not a store option$/m);
    expect(await usage(['list', 's3://bucket', '--endpoint', 'http://127.0.0.1:9', '--store-option', 'endpoint=http://127.0.0.1:8'])).toMatch(
      /^error: --endpoint and --store-option endpoint both set the endpoint$/m,
    );
    expect(await usage(['list', 's3://bucket', '--region', 'eu-west-1', '--store-option', 'region=us-east-1'])).toMatch(/^error: --region and --store-option region both set the region$/m);
    expect(await usage([...push, '--store-option'])).toMatch(/^error: --store-option needs a value \(<name=value>\)/m);
    expect(await usage(['version', '--store-option', 'a=b'])).toMatch(/^error: version has no --store-option flag$/m);
    // Names are checked against the backend's optionNames once its plugin is loaded, still before any store is opened.
    const s3 = await usage(['list', 's3://bucket', '--store-option', 'conditionalCreat=true']);
    expect(s3.split('\n')[0]).toBe('error: the s3 backend has no option "conditionalCreat"');
    expect(s3).toMatch(/^hint: did you mean conditionalCreate\? its options: .*\bconditionalCreate, conditionalMultipart\b.*\bstorageClass$/m);
    expect(s3).not.toMatch(/\b(client|clientConfig|credentials)\b/);
    expect(await usage([...push, '--store-option', 'partSize=5242880'])).toMatch(/^error: the local backend has no option "partSize"\nhint: its options: fsync\n/);
    expect(await usage(['copy', 's3://bucket/app:v1', 'local://./store/app:v1', '--store-option', 'nosuch=1'])).toMatch(
      /^error: neither the s3 nor the local backend has an option "nosuch"\nhint: the s3 backend's options: .*; the local backend's options: fsync\n/,
    );
  });

  it('--endpoint and --region where no backend of the command takes them (they were silently ignored)', async () => {
    const endpoint = await usage(['list', 'local://./store', '--endpoint', 'http://127.0.0.1:9000']);
    expect(endpoint).toMatch(/^error: --endpoint does not apply to local:\/\/ buckets\nhint: --endpoint is for az:\/\/, gs:\/\/, s3:\/\/ buckets; leave it out here\n/);
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--region', 'eu-west-1'])).toMatch(/^error: --region does not apply to local:\/\/ buckets$/m);
    expect(await usage(['copy', 'oci:./layout:v1', 'oci-archive:./out.tar', '--endpoint', 'http://127.0.0.1:9000'])).toMatch(
      /^error: --endpoint does not apply to this command, which opens no bucket$/m,
    );
  });

  it('bad references say what is wrong', async () => {
    expect(await usage(['inspect', 'local://./store/app:..'])).toMatch(/^error: invalid reference "local:\/\/\.\/store\/app:\.\.": tag "\.\." is not allowed/m);
    expect(await usage(['delete', 'local://./store/../app:v1'])).toMatch(/^error: invalid reference/m);
    expect(await usage(['list', 'local://./store/app:v1'])).toMatch(/names a tag or digest/);
    expect(await usage(['push', 'oci:./layout:v1', 'oci:./elsewhere:v1'])).toMatch(/^error: /m);
    expect(await usage(['pull', 'oci:./layout:v1', 'oci:./x:v1'])).toMatch(/^error: /m);
    expect(await usage(['clean', 'local://./store/team/'])).toMatch(
      /^error: clean works on a whole bucket; .*\nhint: blobs are shared by every image: run s3lo clean local:\/\/\.\/store\//m,
    );
  });

  it('writing or deleting needs an explicit tag', async () => {
    expect(await usage(['push', 'oci:./layout:v1', 'local://./store/app'])).toMatch(
      /^error: local:\/\/\.\/store\/app has no tag; push needs one\nhint: add one, e.g. local:\/\/\.\/store\/app:latest\n/,
    );
    expect(await usage(['copy', 'oci:./layout:v1', 'local://./store/app'])).toMatch(/has no tag; copy needs one/);
    expect(await usage(['delete', 'local://./store/app'])).toMatch(/has no tag; delete needs one\nhint: add one, e.g. local:\/\/\.\/store\/app:latest \(or @sha256:<digest>\)/);
    expect(await usage(['push', 'oci:./layout:v1', `local://./store/app@sha256:${'a'.repeat(64)}`])).toMatch(/names a digest; push needs a tag/);
  });
});

describe('operation failures exit 1 with error and hint lines', () => {
  beforeAll(async () => {
    // The bucket exists (empty): what is missing below is the image, not the bucket.
    await mkdir(join(work, 'store'), { recursive: true });
  });

  it('a missing image', async () => {
    const result = await run(['inspect', 'local://./store/missing:v1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: image missing:v1 not found in local:\/\/\/.*store\n$/);
    const pull = await run(['pull', 'local://./store/missing:v1', 'oci:./out:v1']);
    expect(pull.code).toBe(1);
    expect(pull.stderr).toMatch(/^error: .*missing:v1 not found/);
  });

  it('a local:// bucket directory that does not exist is a missing bucket, not an empty one (a typo must not read as "no images")', async () => {
    for (const args of [
      ['list', 'local://./no-such-dir'],
      ['stats', 'local://./no-such-dir'],
      ['inspect', 'local://./no-such-dir/app:v1'],
      ['pull', 'local://./no-such-dir/app:v1', 'oci:./out:v1'],
    ]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr, args.join(' ')).toBe(
        `error: the local bucket directory ${join(work, 'no-such-dir')} does not exist\n` +
          'hint: check the path (with local:// the bucket is the first directory, or everything before "//"); the first push creates it\n',
      );
    }
    expect(existsSync(join(work, 'no-such-dir'))).toBe(false);
    expect(existsSync(join(work, 'out'))).toBe(false);
    // An existing empty directory is an empty bucket.
    const empty = await run(['list', 'local://./store']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe('no images\n');
    expect(await runJsonIn(['list', 'local://./store'])).toEqual([]);
  });

  it('--platform on a single-platform image must match it (from its config): no silent amd64 for arm64', async () => {
    await makeImage(join(work, 'amd64'), { platform: 'linux/amd64' });
    const pushed = await run(['push', '-q', 'oci:./amd64:v1', 'local://./platforms/app:v1']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const refused = await run(['pull', 'local://./platforms/app:v1', 'oci:./arm64-out:v1', '--platform', 'linux/arm64', '--verbose']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toBe('error: local://./platforms/app:v1 is a single-platform linux/amd64 image; it has no linux/arm64 image');
    expect(refused.stderr).toMatch(/^code: PLATFORM_NOT_FOUND$/m);
    expect(existsSync(join(work, 'arm64-out'))).toBe(false);
    // The same on push, and for a list of platforms that includes its own.
    const push = await run(['push', 'oci:./amd64:v1', 'local://./platforms/app:arm', '--platform', 'linux/amd64,linux/arm64']);
    expect(push.code).toBe(1);
    expect(push.stderr).toMatch(/^error: oci:.*amd64:v1 is a single-platform linux\/amd64 image; it has no linux\/arm64 image$/m);
    expect((await filesUnder(join(work, 'platforms'))).filter((f) => f.includes('/arm/'))).toEqual([]);
    // Its own platform is fine.
    const matching = await run(['pull', '-q', 'local://./platforms/app:v1', 'oci:./amd64-out:v1', '--platform', 'linux/amd64']);
    expect(matching.code, matching.stderr).toBe(0);
    expect(existsSync(join(work, 'amd64-out', 'index.json'))).toBe(true);
  });

  it('pull never writes through a symbolic link out of the target: an oci: layout whose blobs/sha256 links elsewhere, an archive path that is a link', async () => {
    const pushed = await run(['push', '-q', 'oci:./layout:v1', 'local://./links/app:v1']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const elsewhere = join(work, 'elsewhere');
    await mkdir(join(work, 'linked', 'blobs'), { recursive: true });
    await mkdir(elsewhere);
    await writeFile(join(work, 'linked', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await symlink(elsewhere, join(work, 'linked', 'blobs', 'sha256'));
    const layout = await run(['pull', 'local://./links/app:v1', 'oci:./linked:v1']);
    expect(layout.code).toBe(1);
    expect(layout.stderr).toMatch(/^error: the blobs\/sha256 directory of oci:\.\/linked:v1 resolves outside the layout directory through a symbolic link \(.* -> .*elsewhere\)\n/);
    expect(layout.stderr).toMatch(/^hint: s3lo writes only inside the layout directory/m);
    expect(await readdir(elsewhere)).toEqual([]);
    expect(existsSync(join(work, 'linked', 'index.json'))).toBe(false);

    await writeFile(join(elsewhere, 'victim'), 'mine');
    await symlink(join(elsewhere, 'victim'), join(work, 'out-link.tar'));
    for (const destination of ['docker-archive:./out-link.tar', 'oci-archive:./out-link.tar']) {
      const archive = await run(['pull', 'local://./links/app:v1', destination]);
      expect(archive.code, destination).toBe(1);
      expect(archive.stderr).toMatch(
        /^error: cannot write archive ".*out-link.tar": it is a symbolic link \(to ".*victim"\), and s3lo neither writes through a link nor replaces it\nhint: name the file itself/,
      );
    }
    expect(await readFile(join(elsewhere, 'victim'), 'utf8')).toBe('mine');
    expect((await lstat(join(work, 'out-link.tar'))).isSymbolicLink()).toBe(true);
  });

  it('a missing source layout', async () => {
    const result = await run(['push', 'oci:./no-such-layout:v1', 'local://./store/app:v1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
  });

  it('an unknown scheme names the packages to install', async () => {
    const result = await run(['list', 'nosuch://bucket']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: no storage backend for nosuch://: @s3lo/backend-nosuch or s3lo-backend-nosuch would serve it, and neither is installed\n' +
        'hint: install it (npm install -g s3lo-backend-nosuch, or into ./node_modules) and s3lo loads it by name; or name a plugin package in S3LO_PLUGINS\n',
    );
  });

  it('gs:// is served by @s3lo/backend-gcs: a store that is down is one error naming the endpoint; a misspelt option is refused with exit 2', async () => {
    const port = await closedPort();
    const down = await run(['list', 'gs://bucket', '--endpoint', `http://127.0.0.1:${port}`, '--store-option', 'maxRetries=0']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`^error: list in bucket "bucket": cannot connect to http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\nhint: check that the endpoint is right and the store is running\n$`),
    );
    const typo = await run(['list', 'gs://bucket', '--store-option', 'chunkSiz=262144']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: the gs backend has no option "chunkSiz"\nhint: did you mean chunkSize\?/);
  });

  it('az:// is served by the built-in @s3lo/backend-azure: its own errors, not "no backend"', async () => {
    const result = await runCli(['list', 'az://bucket'], {
      cwd: work,
      env: { AZURE_STORAGE_CONNECTION_STRING: undefined, AZURE_STORAGE_ACCOUNT: undefined, AZURE_STORAGE_BLOB_ENDPOINT: undefined },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no Azure storage account given\nhint: set AZURE_STORAGE_CONNECTION_STRING/);
    const misspelt = await run(['list', 'az://bucket', '--store-option', 'blockSizee=1']);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('did you mean blockSize?');
  });

  it('push of a bare name:tag (the Docker Engine) says a transport is needed, that the first-party one is planned, and the way round it', async () => {
    const result = await run(['push', 'app:v1', 'local://./store/app:v1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: no transport for docker-daemon: images: they need a transport plugin, and @s3lo\/transport-docker, the first-party one, is planned but not published yet$/m,
    );
    expect(result.stderr).toMatch(
      /^hint: save the image with `docker save -o app.tar <name:tag>` and use docker-archive:app.tar; or name a plugin that serves docker-daemon: in S3LO_PLUGINS/m,
    );
    expect(result.stderr).not.toMatch(/install @s3lo/);
    expect(await filesUnder(join(work, 'store'))).toEqual([]);
  });

  it('a --store-option value of the wrong type or range is refused by the backend before any work, naming the option (exit 2)', async () => {
    // Typed on the command line: "false" is a boolean, "4" a number; the backends check them.
    const fsync = await run(['push', 'oci:./layout:v1', 'local://./store/app:v1', '--store-option', 'fsync=no']);
    expect(fsync.code).toBe(2);
    expect(fsync.stderr.split('\n')[0]).toBe('error: local backend option fsync must be true or false, got "no"');
    expect(fsync.stderr).toMatch(/^usage: s3lo push /m);
    expect(await filesUnder(join(work, 'store'))).toEqual([]);
    const s3 = ['list', 's3://bucket', '--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1'];
    for (const [value, message] of [
      ['abc', 'error: s3 backend option partSize must be a number, got "abc"'],
      ['8MiB', 'error: s3 backend option partSize must be a number, got "8MiB"'],
      ['99999999999999999999', 'error: s3 backend option partSize must be a number, got "99999999999999999999"'],
      ['4', "error: partSize must be at least 5 MiB (S3's minimum part size), got 4"],
    ]) {
      const result = await run([...s3, '--store-option', `partSize=${value}`]);
      expect(result.code, value).toBe(2);
      expect(result.stderr.split('\n')[0], value).toBe(message);
    }
    const flag = await run([...s3, '--store-option', 'conditionalCreate=yes']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: s3 backend option conditionalCreate must be true or false, got "yes"$/m);
  });

  it('--verbose adds the code, details and the stack', async () => {
    const result = await run(['inspect', 'local://./store/missing:v1', '--verbose']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: image missing:v1 not found/);
    expect(result.stderr).toMatch(/^code: NOT_FOUND$/m);
    expect(result.stderr).toMatch(/^details: \{"image":"missing","tag":"v1"\}$/m);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('--timeout: exit 1, says it timed out', async () => {
    await makeImage(join(work, 'big'), { layers: [{ size: 16 << 20 }] });
    const result = await run(['push', 'oci:./big:v1', 'local://./slow/app:v1', '--timeout', '1ms']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: timed out after 1ms \(--timeout\); nothing was committed\nhint: raise --timeout/);
    expect((await filesUnder(join(work, 'slow'))).filter((f) => f.startsWith('manifests/'))).toEqual([]);
  });

  it('--timeout longer than a Node timer holds (2^31-1 ms, about 24.8 days) waits, instead of stopping at once (25d) or crashing (50d)', async () => {
    for (const timeout of ['25d', '50d', '100000d']) {
      const result = await run(['push', 'oci:./layout:v1', `local://./long/app:${timeout}`, '--timeout', timeout]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
    }
  });
});

/** A port on 127.0.0.1 where nothing listens (bound, read, closed). */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
