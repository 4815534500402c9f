import { describe, it } from 'vitest';
import { describeBackendConformance } from '@s3lo/backend-conformance';
import { freshBackend, testServer } from './servers.js';

const server = testServer('s3rver');

if (server === undefined) {
  describe('storage backend conformance: s3 on s3rver', () => {
    it.skip('s3rver is not in this run (S3LO_TEST_S3)', () => {});
  });
} else {
  describeBackendConformance({
    name: 's3 on s3rver',
    async create() {
      const { backend, remove } = await freshBackend(server);
      return { backend, cleanup: remove };
    },
    // s3rver writes an object in place (createWriteStream on the final path),
    // so concurrent PUTs of one key can interleave on disk whatever the
    // client does; Ceph RGW, which writes atomically, runs that test.
    storeDefects: ['nonAtomicOverwrite'],
    // s3rver answers ListMultipartUploads with 501 NotImplemented: the
    // backend is configured without pendingUploads (servers.ts), and the
    // suite's pending-upload group is skipped, saying so.
    // s3rver has no bucket policies or object locks: nothing can make one
    // key of a DeleteObjects fail, so the per-key failure test does not run here.
  });
}
