import type { STORAGE_CONTRACT_VERSION, StorageBackend } from './backend.js';

/**
 * Options handed to a backend factory. The common ones are named; a plugin
 * documents any others it reads (credentials profile, storage class, ...).
 */
export interface BackendOptions {
  /** Endpoint of an S3-compatible (or emulated) store, e.g. `http://127.0.0.1:9000`. */
  readonly endpoint?: string;
  /** Region of the store, where it has one. */
  readonly region?: string;
  /** Cancels work the factory does (region discovery, credential loading). */
  readonly signal?: AbortSignal;
  readonly [option: string]: unknown;
}

/**
 * A storage plugin: what a backend package exports (as its default export
 * and as a named `plugin`) for {@link registerBackend}. It uses only public
 * types of `@s3lo/core`, which it takes as a peer dependency.
 *
 * @example
 * ```ts
 * import type { BackendPlugin } from '@s3lo/core/storage';
 * export const plugin: BackendPlugin = {
 *   kind: 'backend',
 *   contractVersion: 1,
 *   name: 's3lo-backend-memory',
 *   schemes: ['mem'],
 *   create: (bucket, options) => new MemoryBackend(bucket, options),
 * };
 * ```
 */
export interface BackendPlugin {
  readonly kind: 'backend';
  /** The storage contract version the plugin implements. */
  readonly contractVersion: typeof STORAGE_CONTRACT_VERSION;
  /** The package name, used in messages (`@s3lo/backend-s3`). */
  readonly name: string;
  /** Reference schemes served (`s3`, `local`, ...): lowercase letters, digits, `+`, `-`, `.`. */
  readonly schemes: readonly string[];
  /**
   * The {@link BackendOptions} a user may set by name, e.g. with the CLI's
   * `--store-option name=value` (which hands the plugin `true`/`false` as
   * booleans, decimal integers as numbers, anything else as a string; the
   * plugin checks the types). When present, the CLI refuses a store option
   * not in the list, so a misspelt name fails instead of being ignored; `[]`
   * says the plugin reads none. When absent, the CLI cannot tell and passes
   * every store option on unchecked. Options that only a program can give
   * (an SDK client, credentials objects, callbacks) do not belong here.
   *
   * @example
   * ```ts
   * export const plugin: BackendPlugin = {
   *   kind: 'backend',
   *   contractVersion: 1,
   *   name: 's3lo-backend-memory',
   *   schemes: ['mem'],
   *   optionNames: ['maxBytes'],
   *   create: (bucket, options) => new MemoryBackend(bucket, { maxBytes: options['maxBytes'] as number | undefined }),
   * };
   * ```
   */
  readonly optionNames?: readonly string[];
  /** Returns a backend bound to one bucket. */
  create(bucket: string, options: BackendOptions): StorageBackend | Promise<StorageBackend>;
}
