import { randomUUID } from 'node:crypto';
import { describeBackendConformance } from '@s3lo/backend-conformance';
import plugin from '../src/index.js';

describeBackendConformance({
  name: 'memory',
  // Every test gets a fresh, empty bucket: a new name is one here.
  create: async () => ({ backend: await plugin.create(`test-${randomUUID()}`, {}) }),
});
