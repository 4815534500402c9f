/**
 * MinIO in a container through testcontainers, for machines with a Docker
 * engine that can pull public images (a developer laptop). Opt-in:
 * S3LO_TEST_S3=minio-container. CI and the project's machines have no such
 * engine; there the selection fails with a message that says so.
 */
import { request } from 'node:http';
import { withBucketHelper } from './client.js';
import { CAPABILITIES, type S3ServerInfo, type S3TestServer, type StartOptions } from './types.js';

/** Pinned MinIO image (override: S3LO_TEST_MINIO_IMAGE). */
export const DEFAULT_MINIO_IMAGE = 'minio/minio:RELEASE.2025-04-22T22-12-26Z';

export class DockerUnreachableError extends Error {
  override name = 'DockerUnreachableError';
}

function unreachable(reason: string): DockerUnreachableError {
  return new DockerUnreachableError(
    `S3LO_TEST_S3=minio-container needs a reachable Docker engine (testcontainers runs MinIO in a container), ` +
      `but ${reason}. Start Docker or point DOCKER_HOST at it, or unset S3LO_TEST_S3 to test against the local ` +
      `servers (Ceph RGW and s3rver).`,
  );
}

function ping(target: { socketPath: string } | { host: string; port: number }, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode === 200 && body.trim() === 'OK') resolve();
        else reject(new Error(`GET /_ping answered ${res.statusCode} ${JSON.stringify(body.slice(0, 80))}, not a Docker engine's "OK"`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Checks that a Docker engine answers, without starting anything.
 *
 * - DOCKER_HOST=unix://PATH or tcp://HOST:PORT (without TLS): GET /_ping there.
 *   An explicit DOCKER_HOST that does not answer is an error, even if some
 *   other engine would.
 * - Otherwise (unset, ssh://, TLS): testcontainers' own discovery (Docker
 *   context, ~/.testcontainers.properties, default and rootless sockets);
 *   it reads process.env, not `env`.
 *
 * Resolves with a description of the engine found; throws DockerUnreachableError.
 */
export async function checkDockerEngine(env: NodeJS.ProcessEnv = process.env, timeoutMs = 5000): Promise<string> {
  const dockerHost = env.DOCKER_HOST?.trim();
  const tls = Boolean(env.DOCKER_TLS_VERIFY) || Boolean(env.DOCKER_CERT_PATH);
  if (dockerHost?.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    try {
      await ping({ socketPath }, timeoutMs);
    } catch (error) {
      throw unreachable(`DOCKER_HOST=${dockerHost} does not answer (${(error as Error).message})`);
    }
    return `Docker engine at ${dockerHost}`;
  }
  if (dockerHost?.startsWith('tcp://') && !tls) {
    const url = new URL(`http://${dockerHost.slice('tcp://'.length)}`);
    try {
      await ping({ host: url.hostname, port: Number(url.port || 2375) }, timeoutMs);
    } catch (error) {
      throw unreachable(`DOCKER_HOST=${dockerHost} does not answer (${(error as Error).message})`);
    }
    return `Docker engine at ${dockerHost}`;
  }
  let testcontainers: typeof import('testcontainers');
  try {
    testcontainers = await import('testcontainers');
  } catch (error) {
    throw unreachable(`testcontainers cannot be loaded (${(error as Error).message})`);
  }
  try {
    const client = await withTimeout(testcontainers.getContainerRuntimeClient(), timeoutMs * 3, 'testcontainers found no engine in time');
    return `Docker engine via testcontainers (${client.info.containerRuntime.host})`;
  } catch (error) {
    const where = dockerHost ? `DOCKER_HOST=${dockerHost}` : 'DOCKER_HOST is not set';
    throw unreachable(`testcontainers found none (${(error as Error).message}; ${where})`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface MinioContainerOptions extends StartOptions {
  /** Image (default: S3LO_TEST_MINIO_IMAGE or DEFAULT_MINIO_IMAGE). */
  image?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts MinIO with testcontainers (its reaper container removes it if this
 * process dies). Checks the Docker engine first, so a missing engine fails
 * fast with a clear message instead of a testcontainers stack trace.
 */
export async function startMinioContainer(options: MinioContainerOptions = {}): Promise<S3TestServer> {
  const env = options.env ?? process.env;
  await checkDockerEngine(env);
  const image = options.image ?? env.S3LO_TEST_MINIO_IMAGE ?? DEFAULT_MINIO_IMAGE;
  const { MinioContainer } = await import('@testcontainers/minio');
  const accessKeyId = 's3lo-test';
  const secretAccessKey = 's3lo-test-secret';
  options.log?.(`minio-container: starting ${image}`);
  const container = await new MinioContainer(image)
    .withUsername(accessKeyId)
    .withPassword(secretAccessKey)
    .withStartupTimeout(options.startTimeoutMs ?? 180_000)
    .start();
  const info: S3ServerInfo = {
    kind: 'minio-container',
    endpoint: container.getConnectionUrl(),
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    capabilities: { ...CAPABILITIES['minio-container'] },
  };
  let stopping: Promise<void> | undefined;
  return withBucketHelper(info, () => {
    stopping ??= container.stop().then(() => undefined);
    return stopping;
  });
}
