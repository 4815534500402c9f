import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, runCli, tempDir } from './helpers/cli.js';
import { makeImage } from './helpers/images.js';

// What makes start-up fast, checked by structure rather than by timing:
// which modules a command loads. `--version`, `--help` and a usage error
// must not load the library, a backend, an SDK or YAML; a local:// list
// loads the local backend and nothing of the others. (The times themselves
// are measured by bench/startup.mjs, not here: tests never depend on timing.)
const RECORDER = resolve(import.meta.dirname, 'fixtures/record-loads.mjs');
let work: string;

beforeAll(async () => {
  work = await tempDir();
  await makeImage(join(work, 'layout'));
  const pushed = await runCli(['push', 'oci:./layout:v1', 'local://./store/app:v1', '-q'], { cwd: work });
  expect(pushed.code, pushed.stderr).toBe(0);
});

/** Runs the bin under the recorder; returns the exit code and the loaded modules (file URLs, as paths), node: built-ins left out. */
async function loads(args: readonly string[]): Promise<{ code: number | null; modules: string[] }> {
  const out = join(work, `loads-${Math.random().toString(36).slice(2)}.json`);
  const child = spawn(process.execPath, ['--import', RECORDER, CLI, ...args], { cwd: work, env: cleanEnv({ S3LO_TEST_LOADS: out }), stdio: 'ignore' });
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  const urls = JSON.parse(await readFile(out, 'utf8')) as string[];
  return { code, modules: urls.filter((u) => u.startsWith('file:')).map((u) => decodeURIComponent(new URL(u).pathname)) };
}

const LIBRARY = /\/packages\/core\/|\/@s3lo\/core\//;
const S3 = /\/backend-s3\/|@aws-sdk|@smithy/;
const GCS = /\/backend-gcs\/|@google-cloud|\/google-auth-library\//;
const AZURE = /\/backend-azure\/|@azure\//;
const LOCAL = /\/backend-local\/|\/@s3lo\/backend-local\//;
const ARCHIVE = /\/transport-archive\/|\/tar(-stream)?\//;
const YAML = /\/yaml\/dist\//;

describe('start-up: what each command loads', () => {
  it('--version, version, --help and a command --help load no library, backend, SDK or YAML', async () => {
    for (const args of [['--version'], ['version'], ['--help'], ['push', '--help'], ['help', 'list']]) {
      const { code, modules } = await loads(args);
      expect(code, args.join(' ')).toBe(0);
      const heavy = modules.filter((m) => [LIBRARY, S3, GCS, AZURE, LOCAL, ARCHIVE, YAML].some((re) => re.test(m)));
      expect(heavy, args.join(' ')).toEqual([]);
      // All that loads is the CLI's own dist.
      expect(
        modules.every((m) => m.startsWith(resolve(CLI, '..'))),
        args.join(' '),
      ).toBe(true);
    }
  });

  it('a usage error (unknown flag) loads no backend or SDK', async () => {
    const { code, modules } = await loads(['list', 'local://./store', '--platfrom', 'linux/amd64']);
    expect(code).toBe(2);
    expect(modules.filter((m) => [S3, GCS, AZURE, LOCAL, ARCHIVE, YAML].some((re) => re.test(m)))).toEqual([]);
  });

  it('list local:// loads the library and the local backend, not the S3, GCS or Azure backend, the archive transport or YAML', async () => {
    const { code, modules } = await loads(['list', 'local://./store']);
    expect(code).toBe(0);
    expect(modules.some((m) => LIBRARY.test(m))).toBe(true);
    expect(modules.some((m) => LOCAL.test(m))).toBe(true);
    expect(modules.filter((m) => [S3, GCS, AZURE, ARCHIVE, YAML].some((re) => re.test(m)))).toEqual([]);
  });

  it('-o yaml loads YAML; s3:// loads the S3 backend (the lazy imports do load when needed)', async () => {
    expect((await loads(['list', 'local://./store', '-o', 'yaml'])).modules.some((m) => YAML.test(m))).toBe(true);
    const s3 = await loads(['list', 's3://no-such-bucket', '--endpoint', 'http://127.0.0.1:9', '--timeout', '1ms']);
    expect(s3.modules.some((m) => S3.test(m))).toBe(true);
    const gs = await loads(['list', 'gs://no-such-bucket', '--endpoint', 'http://127.0.0.1:9', '--timeout', '1ms']);
    expect(gs.modules.some((m) => GCS.test(m))).toBe(true);
    expect(gs.modules.some((m) => AZURE.test(m) || S3.test(m))).toBe(false);
  });
});
