import { ErrorCode, S3loError, STORAGE_CONTRACT_VERSION, type BackendOptions, type BackendPlugin } from '@s3lo/core/storage';
import { LocalBackend, type LocalBackendOptions } from './local-backend.js';

/**
 * The storage plugin for `local://` references. The bucket of a reference is
 * the directory (`local://./store/app:v1` has bucket `./store`).
 *
 * Options read from {@link BackendOptions}: `fsync` (boolean, default true),
 * see {@link LocalBackendOptions}; its `optionNames`, so the CLI's
 * `--store-option fsync=false` reaches it and any other name is refused.
 * Other options (`endpoint`, `region`) are ignored.
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
  optionNames: ['fsync'],
  create(bucket: string, options: BackendOptions = {}) {
    const { fsync } = options;
    if (fsync !== undefined && typeof fsync !== 'boolean') {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `local backend option fsync must be true or false, got ${JSON.stringify(fsync)}`);
    }
    const localOptions: LocalBackendOptions = fsync === undefined ? {} : { fsync };
    return new LocalBackend(bucket, localOptions);
  },
};
