import { describeBackendConformance } from '@s3lo/backend-conformance';
import { freshBackend, testServer } from './server.js';

const server = testServer();

describeBackendConformance({
  name: `gs on ${server.kind}`,
  async create() {
    const { backend, remove } = freshBackend(server);
    return { backend, cleanup: remove };
  },
  // The emulator ignores ifGenerationMatch: the backend is configured
  // without conditionalCreate there (server.ts), and the suite runs the
  // "refused as UNSUPPORTED" test instead of the conditional-create group,
  // saying so in its skip notes. GCS has no per-key delete failure an
  // emulator can make, so the per-key failure test does not run here.
});
