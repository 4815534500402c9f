import { ErrorCode, S3loError, STORAGE_CONTRACT_VERSION, throwIfAborted, type BackendOptions, type BackendPlugin } from '@s3lo/core/storage';
import { AzureBackend } from './azure-backend.js';
import type { AzureBackendOptions } from './options.js';

/** Options of {@link AzureBackendOptions} that only a program can give (objects, not text). */
type ProgramOnlyOption = 'client' | 'credential' | 'pipelineOptions';

/**
 * Every option a user can give by name (the CLI's `--store-option`), with
 * the type it must have. A Record, so a new option of AzureBackendOptions
 * that is not listed here fails the build.
 */
const OPTION_TYPES: Readonly<Record<Exclude<keyof AzureBackendOptions, ProgramOnlyOption>, 'string' | 'number' | 'access tier'>> = {
  connectionString: 'string',
  account: 'string',
  accountKey: 'string',
  sasToken: 'string',
  endpoint: 'string',
  accessTier: 'access tier',
  blockSize: 'number',
  blockConcurrency: 'number',
  maxAttempts: 'number',
};

const AZURE_OPTION_NAMES: readonly string[] = Object.freeze(Object.keys(OPTION_TYPES));

const EXPECTED = { string: 'a string', number: 'a number', 'access tier': 'an access tier name or a function' } as const;

/**
 * The plugin's options, checked: a wrong type is an INVALID_ARGUMENT naming
 * the option. Ranges and tier names are checked by the backend.
 */
export function toAzureBackendOptions(options: BackendOptions): AzureBackendOptions {
  for (const [name, type] of Object.entries(OPTION_TYPES) as [string, keyof typeof EXPECTED][]) {
    const value = options[name];
    if (value === undefined) continue;
    const ok = type === 'access tier' ? typeof value === 'string' || typeof value === 'function' : typeof value === type;
    if (!ok)
      throw new S3loError(
        ErrorCode.INVALID_ARGUMENT,
        `azure backend option ${name} must be ${EXPECTED[type]}, got ${typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value))}`,
      );
  }
  const { signal: _signal, ...rest } = options;
  return rest as AzureBackendOptions;
}

/**
 * The storage plugin for `az://` references: Azure Blob Storage. The
 * bucket of a reference is the container (`az://images/app:v1`); the
 * account comes from the credentials (`AZURE_STORAGE_CONNECTION_STRING`,
 * or `AZURE_STORAGE_ACCOUNT` with a key, a SAS or DefaultAzureCredential).
 * The Azure SDK is only imported when the backend makes its first request.
 *
 * Options read from {@link BackendOptions}: every option of
 * {@link AzureBackendOptions}. The CLI passes `--endpoint` and
 * `--store-option name=value` for the names in `optionNames` (all but
 * `client`, `credential` and `pipelineOptions`).
 *
 * @example
 * ```ts
 * import { registerBackend, resolveBackend } from '@s3lo/core';
 * import azureBackend from '@s3lo/backend-azure';
 * registerBackend(azureBackend);
 * const backend = await resolveBackend({ scheme: 'az', bucket: 'images' }, { account: 'acme' });
 * ```
 */
export const plugin: BackendPlugin = {
  kind: 'backend',
  contractVersion: STORAGE_CONTRACT_VERSION,
  name: '@s3lo/backend-azure',
  schemes: ['az'],
  optionNames: AZURE_OPTION_NAMES,
  async create(container: string, options: BackendOptions = {}) {
    throwIfAborted(options.signal);
    return new AzureBackend(container, toAzureBackendOptions(options));
  },
};
