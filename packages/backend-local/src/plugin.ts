import { STORAGE_CONTRACT_VERSION, type BackendOptions, type BackendPlugin } from '@s3lo/core/storage';
import { LocalBackend, type LocalBackendOptions } from './local-backend.js';

/**
 * The storage plugin for `local://` references. The bucket of a reference is
 * the directory (`local://./store/app:v1` has bucket `./store`).
 *
 * Options read from {@link BackendOptions}: `fsync` (boolean, default true),
 * see {@link LocalBackendOptions}.
 *
 * @example
 * ```ts
 * import { registerBackend, resolveBackend } from '@s3lo/core';
 * import localBackend from '@s3lo/backend-local';
 * registerBackend(localBackend);
 * const backend = await resolveBackend({ scheme: 'local', bucket: './store' });
 * ```
 */
export const plugin: BackendPlugin = {
  kind: 'backend',
  contractVersion: STORAGE_CONTRACT_VERSION,
  name: '@s3lo/backend-local',
  schemes: ['local'],
  create(bucket: string, options: BackendOptions = {}) {
    const localOptions: LocalBackendOptions = typeof options.fsync === 'boolean' ? { fsync: options.fsync } : {};
    return new LocalBackend(bucket, localOptions);
  },
};
