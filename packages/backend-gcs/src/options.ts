import type { Storage } from '@google-cloud/storage';
import { ErrorCode, S3loError } from '@s3lo/core/storage';

const KiB = 1024;
const MiB = 1024 * KiB;
/** GCS wants resumable chunks in multiples of 256 KiB. */
const CHUNK_GRANULARITY = 256 * KiB;

/** A service account key, for tests and programs that manage credentials themselves. */
export interface GcsCredentials {
  readonly client_email: string;
  readonly private_key: string;
}

/**
 * Options of {@link GcsBackend} (and of the `gs` plugin, which passes its
 * `BackendOptions` through). Every option is optional: with none, the
 * backend talks to Google Cloud Storage with Application Default
 * Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, `gcloud auth
 * application-default login`, the metadata server on Google Cloud).
 */
export interface GcsBackendOptions {
  /**
   * API endpoint of an emulator or a private endpoint, a full `http(s)://`
   * URL. Without it the SDK reads `STORAGE_EMULATOR_HOST`; with neither it
   * talks to `https://storage.googleapis.com`. A custom endpoint is used
   * without credentials, as emulators expect, and changes the
   * `conditionalCreate` default to false.
   * @example
   * ```ts
   * new GcsBackend('images', { apiEndpoint: 'http://127.0.0.1:9199' });
   * ```
   */
  readonly apiEndpoint?: string;
  /**
   * Google Cloud project; only needed where the credentials do not name
   * one and a call needs it (object reads and writes do not).
   * @example
   * ```ts
   * new GcsBackend('images', { projectId: 'my-project' });
   * ```
   */
  readonly projectId?: string;
  /**
   * Path of a service account key file, instead of Application Default
   * Credentials. Such a key can also sign URLs (`presignGet`) locally.
   * @example
   * ```ts
   * new GcsBackend('images', { keyFilename: '/secrets/sa.json' });
   * ```
   */
  readonly keyFilename?: string;
  /**
   * A service account's email and private key, instead of Application
   * Default Credentials. For tests and programs that manage credentials.
   * @example
   * ```ts
   * new GcsBackend('images', { credentials: { client_email, private_key } });
   * ```
   */
  readonly credentials?: GcsCredentials;
  /**
   * A configured `Storage` client to use as is (the backend does not own
   * it). Other connection options are then ignored.
   * @example
   * ```ts
   * new GcsBackend('images', { storage: new Storage({ projectId: 'p' }) });
   * ```
   */
  readonly storage?: Storage;
  /**
   * Claim the `conditionalCreate` capability: `put(..., { ifNoneMatch: '*' })`
   * sends `ifGenerationMatch: 0` and relies on the store to refuse an
   * existing object (412). GCS enforces it; the firebase-tools storage
   * emulator ignores it, which would turn every create-if-absent into an
   * overwrite, so it is off with a custom endpoint unless asked.
   * @default true on GCS, false with a custom endpoint
   * @example
   * ```ts
   * new GcsBackend('images', { apiEndpoint: 'http://127.0.0.1:4443', conditionalCreate: true }); // fake-gcs-server enforces it
   * ```
   */
  readonly conditionalCreate?: boolean;
  /**
   * Claim the `presignedGet` capability. Signing needs credentials that can
   * sign: a service account key, or on Google Cloud an identity allowed to
   * call `iam.serviceAccounts.signBlob`. Set it to false where they cannot,
   * so callers fall back instead of failing.
   * @default true
   * @example
   * ```ts
   * new GcsBackend('images', { presignedGet: false }); // user credentials cannot sign
   * ```
   */
  readonly presignedGet?: boolean;
  /**
   * Bodies up to this many bytes are buffered and sent in one request (a
   * multipart upload the store checks with the body's MD5); larger ones, and
   * streams of unknown length that turn out larger, go as a resumable
   * upload streamed as they are read. Memory per upload in flight: up to
   * this many bytes.
   * @default 8 MiB
   * @example
   * ```ts
   * new GcsBackend('images', { resumableThreshold: 32 * 1024 * 1024 });
   * ```
   */
  readonly resumableThreshold?: number;
  /**
   * Send resumable uploads in chunks of this many bytes (a multiple of
   * 256 KiB), each its own request, so a failed request resends one chunk
   * and not the whole body; memory per upload: one chunk. Without it a
   * resumable upload is one streamed request.
   * @default undefined (one request)
   * @example
   * ```ts
   * new GcsBackend('images', { chunkSize: 16 * 1024 * 1024 });
   * ```
   */
  readonly chunkSize?: number;
  /**
   * Object deletes of one `deleteMany` in flight (GCS deletes objects one
   * request each).
   * @default 16
   * @example
   * ```ts
   * new GcsBackend('images', { deleteConcurrency: 32 });
   * ```
   */
  readonly deleteConcurrency?: number;
  /**
   * Retries of a failed idempotent request (the SDK's exponential backoff).
   * @default 3
   * @example
   * ```ts
   * new GcsBackend('images', { maxRetries: 1 }); // fail fast
   * ```
   */
  readonly maxRetries?: number;
  /**
   * List by reading the whole prefix and paging here, for stores whose
   * listings are not in UTF-8 byte order or do not page common prefixes
   * (the firebase-tools storage emulator). Every page then costs a listing
   * of the whole prefix: for emulators and small buckets only.
   * @default false
   * @example
   * ```ts
   * new GcsBackend('images', { apiEndpoint: 'http://127.0.0.1:9199', clientSideListing: true });
   * ```
   */
  readonly clientSideListing?: boolean;
}

/** The options with defaults applied. */
export interface ResolvedSettings {
  readonly apiEndpoint: string | undefined;
  readonly custom: boolean;
  readonly conditionalCreate: boolean;
  readonly presignedGet: boolean;
  readonly resumableThreshold: number;
  readonly chunkSize: number | undefined;
  readonly deleteConcurrency: number;
  readonly maxRetries: number;
}

/** The endpoint option, checked: a full http(s) URL. */
function validEndpoint(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `apiEndpoint ${JSON.stringify(text)} is not an http:// or https:// URL`, {
      hint: 'write the endpoint in full, e.g. http://127.0.0.1:9199',
    });
  }
  return text.replace(/\/+$/, '');
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Applies defaults and the environment to the options; throws INVALID_ARGUMENT for bad values. */
export function resolveSettings(options: GcsBackendOptions, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const apiEndpoint = options.apiEndpoint === undefined || options.apiEndpoint === '' ? undefined : validEndpoint(options.apiEndpoint);
  const emulatorHost = env['STORAGE_EMULATOR_HOST'];
  const custom = options.storage === undefined ? apiEndpoint !== undefined || (emulatorHost !== undefined && emulatorHost !== '') : options.storage.customEndpoint === true;
  const chunkSize = options.chunkSize === undefined ? undefined : positiveInteger(options.chunkSize, 'chunkSize', 0);
  if (chunkSize !== undefined && chunkSize % CHUNK_GRANULARITY !== 0) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `chunkSize must be a multiple of 256 KiB (262144 bytes), got ${chunkSize}`);
  }
  for (const name of ['conditionalCreate', 'presignedGet', 'clientSideListing'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} must be true or false, got ${JSON.stringify(value)}`);
    }
  }
  const maxRetries = options.maxRetries === 0 ? 0 : positiveInteger(options.maxRetries, 'maxRetries', 3);
  return {
    apiEndpoint,
    custom,
    conditionalCreate: options.conditionalCreate ?? !custom,
    presignedGet: options.presignedGet ?? true,
    resumableThreshold: positiveInteger(options.resumableThreshold, 'resumableThreshold', 8 * MiB),
    chunkSize,
    deleteConcurrency: positiveInteger(options.deleteConcurrency, 'deleteConcurrency', 16),
    maxRetries,
  };
}
