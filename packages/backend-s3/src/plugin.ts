import { ErrorCode, S3loError, STORAGE_CONTRACT_VERSION, throwIfAborted, type BackendOptions, type BackendPlugin } from '@s3lo/core/storage';
import { configuredEndpoint } from './client.js';
import { resolveEndpoint, type S3BackendOptions } from './options.js';
import { S3Backend } from './s3-backend.js';

const BOOLEAN_OPTIONS = ['forcePathStyle', 'conditionalCreate', 'clientSideListing'] as const;
const STRING_OPTIONS = ['endpoint', 'region', 'profile'] as const;
const CHECKSUM_MODES = new Set(['WHEN_SUPPORTED', 'WHEN_REQUIRED']);

/**
 * The plugin's options, checked: {@link BackendOptions} come from the CLI
 * (strings) or from programs, so a wrong type is an INVALID_ARGUMENT naming
 * the option rather than a confusing failure later.
 */
export function toS3BackendOptions(options: BackendOptions): S3BackendOptions {
  const invalid = (name: string, what: string): S3loError =>
    new S3loError(ErrorCode.INVALID_ARGUMENT, `s3 backend option ${name} must be ${what}, got ${JSON.stringify(options[name])}`);
  for (const name of STRING_OPTIONS) {
    if (options[name] !== undefined && typeof options[name] !== 'string') throw invalid(name, 'a string');
  }
  for (const name of BOOLEAN_OPTIONS) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw invalid(name, 'true or false');
  }
  for (const name of ['requestChecksumCalculation', 'responseChecksumValidation']) {
    if (options[name] !== undefined && !CHECKSUM_MODES.has(options[name] as string)) throw invalid(name, '"WHEN_SUPPORTED" or "WHEN_REQUIRED"');
  }
  if (options['storageClass'] !== undefined && typeof options['storageClass'] !== 'string' && typeof options['storageClass'] !== 'function') {
    throw invalid('storageClass', 'a storage class name or a function');
  }
  const { signal: _signal, ...rest } = options;
  return rest as S3BackendOptions;
}

/**
 * The storage plugin for `s3://` references: Amazon S3 and S3-compatible
 * stores. The bucket of a reference is the S3 bucket
 * (`s3://my-bucket/app:v1`). The AWS SDK is only imported when the backend
 * makes its first request.
 *
 * Options read from {@link BackendOptions}: `endpoint` and `region` (the
 * CLI's `--endpoint` and `--region`) and every option of
 * {@link S3BackendOptions} (`conditionalCreate`, `storageClass`, `client`, ...).
 *
 * @example
 * ```ts
 * import { registerBackend, resolveBackend } from '@s3lo/core';
 * import s3Backend from '@s3lo/backend-s3';
 * registerBackend(s3Backend);
 * const backend = await resolveBackend({ scheme: 's3', bucket: 'my-images' }, { region: 'eu-west-1' });
 * ```
 */
export const plugin: BackendPlugin = {
  kind: 'backend',
  contractVersion: STORAGE_CONTRACT_VERSION,
  name: '@s3lo/backend-s3',
  schemes: ['s3'],
  async create(bucket: string, options: BackendOptions = {}) {
    throwIfAborted(options.signal);
    const s3Options = toS3BackendOptions(options);
    if (s3Options.client === undefined && resolveEndpoint(s3Options.endpoint, process.env) === undefined) {
      // A profile's endpoint_url makes the store S3-compatible: the backend
      // must know before it states its capabilities.
      const endpoint = await configuredEndpoint(s3Options.profile);
      throwIfAborted(options.signal);
      if (endpoint !== undefined) return new S3Backend(bucket, { ...s3Options, endpoint });
    }
    return new S3Backend(bucket, s3Options);
  },
};
