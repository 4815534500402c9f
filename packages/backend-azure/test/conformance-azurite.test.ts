import { describeBackendConformance } from '@s3lo/backend-conformance';
import { freshBackend, leaseBlob } from './azurite.js';

// Azurite implements everything the backend claims: no store defects. The
// pending-uploads group is skipped because the backend does not claim the
// capability (see the README: Azure has no upload object to list or abort).
describeBackendConformance({
  name: 'azure on azurite',
  async create() {
    const { backend, remove } = await freshBackend();
    return { backend, cleanup: remove };
  },
  blockDelete: (backend, key) => leaseBlob(backend.bucket, key),
});

// Small blocks: every upload above 1 MiB goes through staged blocks and a
// commit, with several blocks in flight.
describeBackendConformance({
  name: 'azure on azurite, 1 MiB blocks',
  async create() {
    const { backend, remove } = await freshBackend({ blockSize: 1024 * 1024, blockConcurrency: 3 });
    return { backend, cleanup: remove };
  },
  blockDelete: (backend, key) => leaseBlob(backend.bucket, key),
});
