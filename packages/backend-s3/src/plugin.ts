import { ErrorCode, S3loError, STORAGE_CONTRACT_VERSION, throwIfAborted, type BackendOptions, type BackendPlugin } from '@s3lo/core/storage';
import { configuredEndpoint } from './client.js';
import { resolveEndpoint, type S3BackendOptions } from './options.js';
import { S3Backend } from './s3-backend.js';

/** Options of {@link S3BackendOptions} that only a program can give (objects, not text). */
type ProgramOnlyOption = 'client' | 'clientConfig' | 'credentials';

/**
 * Every option a user can give by name (the CLI's `--store-option`), with
 * the type it must have. A Record, so a new option of S3BackendOptions that
 * is not listed here fails the build.
 */
const OPTION_TYPES: Readonly<Record<Exclude<keyof S3BackendOptions, ProgramOnlyOption>, 'string' | 'boolean' | 'number' | 'checksum mode' | 'storage class'>> = {
  endpoint: 'string',
  region: 'string',
  profile: 'string',
  forcePathStyle: 'boolean',
  requestChecksumCalculation: 'checksum mode',
  responseChecksumValidation: 'checksum mode',
  storageClass: 'storage class',
  conditionalCreate: 'boolean',
  conditionalMultipart: 'boolean',
  pendingUploads: 'boolean',
  multipartThreshold: 'number',
  partSize: 'number',
  partConcurrency: 'number',
  copyThreshold: 'number',
  copyPartSize: 'number',
  parallelDownloadThreshold: 'number',
  downloadRangeSize: 'number',
  downloadConcurrency: 'number',
  memoryBudget: 'number',
  maxAttempts: 'number',
  payloadSigning: 'boolean',
  connectTimeoutMs: 'number',
  clientSideListing: 'boolean',
};

/** The names of {@link OPTION_TYPES}: the plugin's `optionNames`. */
const S3_OPTION_NAMES: readonly string[] = Object.freeze(Object.keys(OPTION_TYPES));

const CHECKSUM_MODES = new Set(['WHEN_SUPPORTED', 'WHEN_REQUIRED']);

const EXPECTED: Readonly<Record<(typeof OPTION_TYPES)[keyof typeof OPTION_TYPES], string>> = {
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  'checksum mode': '"WHEN_SUPPORTED" or "WHEN_REQUIRED"',
  'storage class': 'a storage class name or a function',
};

function hasType(value: unknown, type: keyof typeof EXPECTED): boolean {
  switch (type) {
    case 'string':
    case 'boolean':
    case 'number':
      return typeof value === type;
    case 'checksum mode':
      return typeof value === 'string' && CHECKSUM_MODES.has(value);
    case 'storage class':
      return typeof value === 'string' || typeof value === 'function';
  }
}

/**
 * The plugin's options, checked: {@link BackendOptions} come from the CLI
 * (strings, numbers, booleans) or from programs, so a wrong type is an
 * INVALID_ARGUMENT naming the option rather than a confusing failure later.
 * Ranges (a part size of at least 5 MiB, ...) are checked by the backend.
 */
export function toS3BackendOptions(options: BackendOptions): S3BackendOptions {
  for (const [name, type] of Object.entries(OPTION_TYPES) as [string, keyof typeof EXPECTED][]) {
    const value = options[name];
    if (value !== undefined && !hasType(value, type)) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `s3 backend option ${name} must be ${EXPECTED[type]}, got ${describe(value)}`);
    }
  }
  const { signal: _signal, ...rest } = options;
  return rest as S3BackendOptions;
}

function describe(value: unknown): string {
  return typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
}

/**
 * The storage plugin for `s3://` references: Amazon S3 and S3-compatible
 * stores. The bucket of a reference is the S3 bucket
 * (`s3://my-bucket/app:v1`). The AWS SDK is only imported when the backend
 * makes its first request.
 *
 * Options read from {@link BackendOptions}: every option of
 * {@link S3BackendOptions} (`conditionalCreate`, `storageClass`, `client`,
 * ...). The CLI passes `--endpoint`, `--region` and `--store-option
 * name=value` for the names in `optionNames` (all but `client`,
 * `clientConfig` and `credentials`).
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
  optionNames: S3_OPTION_NAMES,
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
