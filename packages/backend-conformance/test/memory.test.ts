import { describeBackendConformance } from '../src/index.js';
import { MemoryBackend } from './memory-backend.js';

// The suite checked against a backend that follows the contract to the
// letter, once claiming every capability and once claiming none (which runs
// the UNSUPPORTED branches no real backend of ours takes).
describeBackendConformance({
  name: 'memory, every capability',
  create: async () => ({ backend: new MemoryBackend({ serverSideCopy: true, conditionalCreate: true, presignedGet: true, pendingUploads: true }) }),
  blockDelete: async (backend, key) => (backend as MemoryBackend).block(key),
  leavePendingUpload: async (backend, key) => (backend as MemoryBackend).leave(key),
});

describeBackendConformance({
  name: 'memory, no capability',
  create: async () => ({ backend: new MemoryBackend() }),
  bigObjectSize: 8 * 1024 * 1024,
});
