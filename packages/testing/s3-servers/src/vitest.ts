/**
 * For test files: the servers the global setup started.
 *
 *   import { injectS3Servers } from '@s3lo/s3-servers/vitest';
 *   describe.each(injectS3Servers())('$kind', (server) => { ... });
 */
import { inject } from 'vitest';
import { withBucketHelper } from './client.js';
import { PROVIDED_KEY } from './provided.js';
import type { S3ServerKind, S3TestServer } from './types.js';

/**
 * The S3 servers of this test run, in S3LO_TEST_S3 order. `createBucket`
 * works; `stop` does nothing (the global setup owns the servers).
 */
export function injectS3Servers(): S3TestServer[] {
  const infos = inject(PROVIDED_KEY);
  if (!Array.isArray(infos)) {
    throw new Error('No S3 test servers were provided: add "@s3lo/s3-servers/global-setup" to test.globalSetup in vitest.config.ts');
  }
  return infos.map((info) => withBucketHelper(info, async () => {}));
}

/** The server of that kind in this run, or undefined when S3LO_TEST_S3 left it out. */
export function injectS3Server(kind: S3ServerKind): S3TestServer | undefined {
  return injectS3Servers().find((server) => server.kind === kind);
}
