// Which servers a run uses, and what happens when the chosen one cannot run.
// No container is ever started here: every Docker engine below is absent or fake.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertCephInstalled, checkDockerEngine, DockerUnreachableError, freePort, selectS3Servers, serverEnv, startMinioContainer, startS3Servers } from '../src/index.js';

describe('selectS3Servers', () => {
  it('defaults to the two local servers', () => {
    expect(selectS3Servers({})).toEqual(['ceph-rgw', 's3rver']);
    expect(selectS3Servers({ S3LO_TEST_S3: '' })).toEqual(['ceph-rgw', 's3rver']);
    expect(selectS3Servers({ S3LO_TEST_S3: ' local ' })).toEqual(['ceph-rgw', 's3rver']);
  });

  it('takes one kind or a list, in order, without repeats, case and spaces ignored', () => {
    expect(selectS3Servers({ S3LO_TEST_S3: 'minio-container' })).toEqual(['minio-container']);
    expect(selectS3Servers({ S3LO_TEST_S3: 's3rver' })).toEqual(['s3rver']);
    expect(selectS3Servers({ S3LO_TEST_S3: ' S3RVER , ceph-rgw ' })).toEqual(['s3rver', 'ceph-rgw']);
    expect(selectS3Servers({ S3LO_TEST_S3: 'ceph-rgw ceph-rgw,s3rver' })).toEqual(['ceph-rgw', 's3rver']);
    expect(selectS3Servers({ S3LO_TEST_S3: 'minio-container,local' })).toEqual(['minio-container', 'ceph-rgw', 's3rver']);
  });

  it('reads process.env by default', () => {
    const saved = process.env.S3LO_TEST_S3;
    try {
      process.env.S3LO_TEST_S3 = 's3rver';
      expect(selectS3Servers()).toEqual(['s3rver']);
    } finally {
      if (saved === undefined) delete process.env.S3LO_TEST_S3;
      else process.env.S3LO_TEST_S3 = saved;
    }
  });

  it('refuses unknown names and says what is accepted', () => {
    expect(() => selectS3Servers({ S3LO_TEST_S3: 'minio' })).toThrow(/S3LO_TEST_S3="minio": unknown S3 server "minio"; use a comma-separated list of ceph-rgw, s3rver, minio-container/);
    expect(() => selectS3Servers({ S3LO_TEST_S3: 's3rver,aws' })).toThrow(/unknown S3 server "aws"/);
  });
});

describe('minio-container without a Docker engine', () => {
  const servers: Server[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  async function fakeEngine(answer: (path: string) => [number, string]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 's3lo-fake-docker-'));
    dirs.push(dir);
    const socketPath = join(dir, 'docker.sock');
    const server = createServer((req, res) => {
      const [status, body] = answer(req.url ?? '');
      res.writeHead(status).end(body);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return socketPath;
  }

  it('a DOCKER_HOST socket that does not exist: says the engine is unreachable, and why', async () => {
    const error = await checkDockerEngine({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect((error as Error).message).toMatch(/^S3LO_TEST_S3=minio-container needs a reachable Docker engine/);
    expect((error as Error).message).toMatch(/DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock does not answer \(.*ENOENT/);
    expect((error as Error).message).toMatch(/unset S3LO_TEST_S3 to test against the local servers/);
  });

  it('a DOCKER_HOST tcp port nobody listens on', async () => {
    const port = await freePort();
    const error = await checkDockerEngine({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect((error as Error).message).toMatch(new RegExp(`DOCKER_HOST=tcp://127\\.0\\.0\\.1:${port} does not answer \\(.*ECONNREFUSED`));
  });

  it('something that is not a Docker engine', async () => {
    const socket = await fakeEngine(() => [404, 'page not found']);
    const error = await checkDockerEngine({ DOCKER_HOST: `unix://${socket}` }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/answered 404 "page not found", not a Docker engine's "OK"/);
  });

  it('an engine that answers /_ping is accepted (the probe itself starts nothing)', async () => {
    const socket = await fakeEngine((path) => (path === '/_ping' ? [200, 'OK'] : [500, 'unexpected']));
    await expect(checkDockerEngine({ DOCKER_HOST: `unix://${socket}` })).resolves.toBe(`Docker engine at unix://${socket}`);
  });

  it('startMinioContainer checks the engine before touching testcontainers', async () => {
    const error = await startMinioContainer({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerUnreachableError);
  });

  it.skipIf(existsSync('/var/run/docker.sock'))('no DOCKER_HOST and no engine on the machine: testcontainers finds none, and the error says so', async () => {
    const saved = process.env.DOCKER_HOST;
    delete process.env.DOCKER_HOST;
    try {
      const error = await checkDockerEngine({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DockerUnreachableError);
      expect((error as Error).message).toMatch(/needs a reachable Docker engine .* but testcontainers found none \(.*DOCKER_HOST is not set\)/);
    } finally {
      if (saved !== undefined) process.env.DOCKER_HOST = saved;
    }
  });

  it('startS3Servers names the server that failed', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await expect(startS3Servers(['minio-container'])).rejects.toThrow(
        /^S3 test servers did not start \(S3LO_TEST_S3=minio-container\):\nminio-container: S3LO_TEST_S3=minio-container needs a reachable Docker engine/,
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

describe('environment', () => {
  it('programs are started without AWS_CA_BUNDLE or CEPH_* redirections', () => {
    const env = serverEnv({ EXTRA: '1' }, { PATH: '/bin', AWS_CA_BUNDLE: '/x.pem', CEPH_CONF: '/etc/other.conf', CEPH_ARGS: '--id x', HOME: '/root' });
    expect(env).toEqual({ PATH: '/bin', HOME: '/root', EXTRA: '1' });
  });

  it('a machine without Ceph is told to run the install script', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(assertCephInstalled()).rejects.toThrow(/Ceph RADOS Gateway is not installed \(missing: .*radosgw.*\)\. Run `bash scripts\/install-test-servers\.sh`/);
    } finally {
      process.env.PATH = saved;
    }
  });
});
