import type { BackendPlugin } from '@s3lo/core/storage';
import { MemoryBackend } from './memory-backend.js';

export { MemoryBackend } from './memory-backend.js';

/** The plugin: what `registerBackend(plugin)` and the s3lo CLI take. */
export const plugin: BackendPlugin = {
  kind: 'backend',
  contractVersion: 1, // the storage contract this code implements (see the guide)
  name: 's3lo-backend-memory',
  schemes: ['memory'],
  optionNames: [], // reads no store option: the CLI refuses any --store-option
  create: (bucket) => new MemoryBackend(bucket),
};

export default plugin;
