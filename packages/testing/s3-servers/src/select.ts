import { startCephRgw } from './ceph.js';
import { startMinioContainer } from './minio.js';
import { startS3rver } from './s3rver.js';
import { S3_SERVER_KINDS, type S3ServerKind, type S3TestServer, type StartOptions } from './types.js';

/** The environment variable that chooses the S3 servers of a test run. */
export const S3_SERVERS_ENV = 'S3LO_TEST_S3';

/** What an unset S3LO_TEST_S3 (or `local`) means: both servers that run on any machine here. */
export const DEFAULT_S3_SERVERS: readonly S3ServerKind[] = ['ceph-rgw', 's3rver'];

/**
 * Which S3 servers the tests run against, from S3LO_TEST_S3:
 * - unset, empty or `local`: ceph-rgw and s3rver (the default; CI);
 * - a comma- or space-separated list of kinds, e.g. `s3rver` (quick local
 *   runs) or `minio-container` (testcontainers; needs a Docker engine);
 * - anything else: an error naming the accepted values.
 */
export function selectS3Servers(env: NodeJS.ProcessEnv = process.env): S3ServerKind[] {
  const raw = (env[S3_SERVERS_ENV] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'local') return [...DEFAULT_S3_SERVERS];
  const kinds: S3ServerKind[] = [];
  for (const word of raw.split(/[\s,]+/).filter(Boolean)) {
    const kind = word === 'local' ? undefined : S3_SERVER_KINDS.find((k) => k === word);
    if (word === 'local') {
      for (const k of DEFAULT_S3_SERVERS) if (!kinds.includes(k)) kinds.push(k);
      continue;
    }
    if (!kind) {
      throw new Error(
        `${S3_SERVERS_ENV}=${JSON.stringify(env[S3_SERVERS_ENV])}: unknown S3 server ${JSON.stringify(word)}; ` +
          `use a comma-separated list of ${S3_SERVER_KINDS.join(', ')}, or "local" (= ${DEFAULT_S3_SERVERS.join(',')}), or leave it unset`,
      );
    }
    if (!kinds.includes(kind)) kinds.push(kind);
  }
  return kinds;
}

export function startS3Server(kind: S3ServerKind, options: StartOptions = {}): Promise<S3TestServer> {
  switch (kind) {
    case 'ceph-rgw':
      return startCephRgw(options);
    case 's3rver':
      return startS3rver(options);
    case 'minio-container':
      return startMinioContainer(options);
  }
}

/**
 * Starts the given servers side by side. If one fails, the others are
 * stopped before the error (naming the server) is thrown.
 */
export async function startS3Servers(kinds: readonly S3ServerKind[], options: StartOptions = {}): Promise<S3TestServer[]> {
  const results = await Promise.allSettled(kinds.map((kind) => startS3Server(kind, options)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ kind: kinds[i], error: r.reason as Error }] : []));
  if (failures.length > 0) {
    await Promise.allSettled(started.map((s) => s.stop()));
    const message = failures.map((f) => `${f.kind}: ${f.error.message}`).join('\n\n');
    throw new Error(`S3 test servers did not start (${S3_SERVERS_ENV}=${kinds.join(',')}):\n${message}`, { cause: failures[0]?.error });
  }
  return started;
}
