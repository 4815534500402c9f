import { describe, it } from 'vitest';
import { describeBackendConformance } from '@s3lo/backend-conformance';
import type { S3Backend } from '../src/index.js';
import { denyDelete, freshBackend, leaveMultipartUpload, testServer } from './servers.js';

const server = testServer('ceph-rgw');

if (server === undefined) {
  describe('storage backend conformance: s3 on Ceph RGW', () => {
    it.skip('Ceph RGW is not in this run (S3LO_TEST_S3)', () => {});
  });
} else {
  describeBackendConformance({
    name: 's3 on Ceph RGW',
    async create() {
      const { backend, remove } = await freshBackend(server);
      return { backend, cleanup: remove };
    },
    // A bucket policy denying s3:DeleteObject on the key: DeleteObjects then
    // reports that key in Errors (AccessDenied) and deletes the others.
    blockDelete: (backend, key) => denyDelete(server, (backend as S3Backend).bucket, key),
    // A put killed mid-upload: CreateMultipartUpload and one part, never completed.
    leavePendingUpload: async (backend, key) => void (await leaveMultipartUpload(server, (backend as S3Backend).bucket, key)),
  });
}
