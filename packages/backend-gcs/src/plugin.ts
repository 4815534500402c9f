import { ErrorCode, S3loError, STORAGE_CONTRACT_VERSION, throwIfAborted, type BackendOptions, type BackendPlugin } from '@s3lo/core/storage';
import { GcsBackend } from './gcs-backend.js';
import type { GcsBackendOptions } from './options.js';

/** Options of {@link GcsBackendOptions} that only a program can give (objects, not text). */
type ProgramOnlyOption = 'storage' | 'credentials';

/**
 * Every option a user can give by name (the CLI's `--store-option`), with
 * the type it must have. A Record, so a new option of GcsBackendOptions that
 * is not listed here fails the build.
 */
const OPTION_TYPES: Readonly<Record<Exclude<keyof GcsBackendOptions, ProgramOnlyOption>, 'string' | 'boolean' | 'number'>> = {
  apiEndpoint: 'string',
  projectId: 'string',
  keyFilename: 'string',
  conditionalCreate: 'boolean',
  presignedGet: 'boolean',
  resumableThreshold: 'number',
  chunkSize: 'number',
  deleteConcurrency: 'number',
  maxRetries: 'number',
  clientSideListing: 'boolean',
};

/**
 * The plugin's `optionNames`: {@link OPTION_TYPES}, and `endpoint`, the
 * CLI's `--endpoint`, which is the `apiEndpoint`.
 */
const GCS_OPTION_NAMES: readonly string[] = Object.freeze([...Object.keys(OPTION_TYPES), 'endpoint']);

const EXPECTED = { string: 'a string', boolean: 'true or false', number: 'a number' } as const;

/**
 * The plugin's options, checked: {@link BackendOptions} come from the CLI
 * (strings, numbers, booleans) or from programs, so a wrong type is an
 * INVALID_ARGUMENT naming the option rather than a confusing failure later.
 * The CLI's `--endpoint` arrives as `endpoint` and means `apiEndpoint`.
 */
export function toGcsBackendOptions(options: BackendOptions): GcsBackendOptions {
  for (const [name, type] of Object.entries(OPTION_TYPES) as [string, keyof typeof EXPECTED][]) {
    const value = options[name];
    if (value !== undefined && typeof value !== type) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `gs backend option ${name} must be ${EXPECTED[type]}, got ${JSON.stringify(value) ?? String(value)}`);
    }
  }
  const { signal: _signal, endpoint, region: _region, ...rest } = options;
  if (endpoint !== undefined && typeof endpoint !== 'string') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `gs backend option endpoint must be a string, got ${JSON.stringify(endpoint)}`);
  }
  if (endpoint !== undefined && rest['apiEndpoint'] !== undefined) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'gs backend options endpoint and apiEndpoint name the same thing: give one');
  }
  return { ...(endpoint === undefined ? {} : { apiEndpoint: endpoint }), ...rest } as GcsBackendOptions;
}

/**
 * The storage plugin for `gs://` references: Google Cloud Storage. The
 * bucket of a reference is the GCS bucket (`gs://my-bucket/app:v1`). The
 * Google Cloud SDK is only imported when the backend makes its first
 * request.
 *
 * Options read from {@link BackendOptions}: every option of
 * {@link GcsBackendOptions}; the CLI passes `--endpoint` as `apiEndpoint`
 * and `--store-option name=value` for the names in `optionNames` (all but
 * `storage` and `credentials`).
 *
 * @example
 * ```ts
 * import { registerBackend, resolveBackend } from '@s3lo/core';
 * import gcsBackend from '@s3lo/backend-gcs';
 * registerBackend(gcsBackend);
 * const backend = await resolveBackend({ scheme: 'gs', bucket: 'my-images' }, {});
 * ```
 */
export const plugin: BackendPlugin = {
  kind: 'backend',
  contractVersion: STORAGE_CONTRACT_VERSION,
  name: '@s3lo/backend-gcs',
  schemes: ['gs'],
  optionNames: GCS_OPTION_NAMES,
  async create(bucket: string, options: BackendOptions = {}) {
    throwIfAborted(options.signal);
    return new GcsBackend(bucket, toGcsBackendOptions(options));
  },
};
