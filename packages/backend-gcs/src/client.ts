import type { Bucket, Storage, StorageOptions } from '@google-cloud/storage';
import type { GcsBackendOptions, ResolvedSettings } from './options.js';

/** The SDK module, imported on first use so that loading the plugin costs nothing. */
export type GcsSdk = typeof import('@google-cloud/storage');

let sdkPromise: Promise<GcsSdk> | undefined;

/** `@google-cloud/storage`, imported once, lazily. */
export function loadSdk(): Promise<GcsSdk> {
  sdkPromise ??= import('@google-cloud/storage');
  return sdkPromise;
}

/** A client bound to the bucket, and what the backend needs to know about it. */
export interface ClientHandle {
  readonly storage: Storage;
  readonly bucket: Bucket;
  /** The custom endpoint (for messages), undefined on Google Cloud Storage. */
  readonly endpoint: string | undefined;
}

/**
 * The `Storage` options the settings call for. Pure, so the choices are
 * unit-tested. Credentials are Application Default Credentials unless given.
 */
export function storageOptions(settings: ResolvedSettings, options: GcsBackendOptions): StorageOptions {
  const config: StorageOptions = {
    retryOptions: { autoRetry: settings.maxRetries > 0, maxRetries: settings.maxRetries },
  };
  if (settings.apiEndpoint !== undefined) config.apiEndpoint = settings.apiEndpoint;
  if (options.projectId !== undefined) config.projectId = options.projectId;
  if (options.keyFilename !== undefined) config.keyFilename = options.keyFilename;
  if (options.credentials !== undefined) {
    const { client_email, private_key } = options.credentials;
    config.credentials = { client_email, private_key };
  }
  return config;
}

/** The endpoint the SDK talks to when it is not Google's: the option, else STORAGE_EMULATOR_HOST. */
export function customEndpoint(settings: ResolvedSettings, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (settings.apiEndpoint !== undefined) return settings.apiEndpoint;
  const host = env['STORAGE_EMULATOR_HOST'];
  return host === undefined || host === '' ? undefined : host;
}

/** Builds the client (or takes the injected one). */
export async function createClient(bucketName: string, settings: ResolvedSettings, options: GcsBackendOptions): Promise<ClientHandle> {
  if (options.storage !== undefined) {
    return { storage: options.storage, bucket: options.storage.bucket(bucketName), endpoint: options.storage.customEndpoint ? options.storage.apiEndpoint : undefined };
  }
  const sdk = await loadSdk();
  const storage = new sdk.Storage(storageOptions(settings, options));
  return { storage, bucket: storage.bucket(bucketName), endpoint: customEndpoint(settings) };
}
