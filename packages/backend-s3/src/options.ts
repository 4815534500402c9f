import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, checkTimerMs } from '@s3lo/core/storage';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Explicit credentials, for tests and setups outside the AWS default chain. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Options of {@link S3Backend} (and of the `s3` plugin, which passes its
 * `BackendOptions` through). Every option is optional: with none, the backend
 * talks to AWS S3 with the AWS default credential chain and the region of the
 * environment or, failing that, the bucket's own region.
 */
export interface S3BackendOptions {
  /**
   * Endpoint of an S3-compatible store (MinIO, Ceph RGW, Cloudflare R2,
   * Backblaze B2, ...), a full `http(s)://` URL. Without it the backend reads
   * `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`, then the profile's
   * `endpoint_url`; with none of them it talks to AWS S3.
   *
   * A custom endpoint changes the defaults to what S3-compatible stores
   * accept: path-style addressing, request and response checksums only where
   * an operation requires them, and no `conditionalCreate` unless asked.
   * @example
   * ```ts
   * new S3Backend('images', { endpoint: 'http://127.0.0.1:9000' });
   * ```
   */
  readonly endpoint?: string;
  /**
   * Region of the bucket. Without it: the SDK's region configuration
   * (`AWS_REGION`, the profile's `region`); without that, the bucket's region
   * is discovered once (HeadBucket's `x-amz-bucket-region`) and cached for
   * the process. Custom endpoints default to `us-east-1` (most ignore it).
   * @example
   * ```ts
   * new S3Backend('images', { region: 'eu-west-1' }); // no discovery request
   * ```
   */
  readonly region?: string;
  /**
   * Credentials to use instead of the AWS default chain (environment,
   * shared config and credentials files, SSO, web identity, container and
   * instance roles). Meant for tests and programs that manage credentials
   * themselves; leave it unset otherwise.
   * @example
   * ```ts
   * new S3Backend('images', { endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
   * ```
   */
  readonly credentials?: S3Credentials;
  /**
   * Named profile of the shared config files, instead of `AWS_PROFILE` /
   * `default`.
   * @example
   * ```ts
   * new S3Backend('images', { profile: 'prod-readonly' });
   * ```
   */
  readonly profile?: string;
  /**
   * Path-style URLs (`https://host/bucket/key`) instead of virtual-hosted
   * ones (`https://bucket.host/key`). Most S3-compatible stores need path
   * style; AWS prefers virtual-hosted.
   * @default true with a custom endpoint, false on AWS
   * @example
   * ```ts
   * new S3Backend('images', { endpoint: 'https://s3.example.com', forcePathStyle: false });
   * ```
   */
  readonly forcePathStyle?: boolean;
  /**
   * When the SDK computes request checksums. `'WHEN_SUPPORTED'` adds a CRC32
   * to every upload (S3 verifies it), but streamed bodies then go out with
   * `aws-chunked` framing that several S3-compatible stores reject or, worse,
   * store as data. This backend only sends in-memory parts, so on AWS the
   * checksum costs nothing but CPU.
   * @default 'WHEN_REQUIRED' with a custom endpoint, the SDK's default on AWS
   * @example
   * ```ts
   * new S3Backend('images', { endpoint, requestChecksumCalculation: 'WHEN_SUPPORTED' }); // a store that verifies CRC32
   * ```
   */
  readonly requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /**
   * When the SDK validates response checksums.
   * @default 'WHEN_REQUIRED' with a custom endpoint, the SDK's default on AWS
   * @example
   * ```ts
   * new S3Backend('images', { endpoint, responseChecksumValidation: 'WHEN_SUPPORTED' });
   * ```
   */
  readonly responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /**
   * Storage class of written objects (`put` and `copy`): a class name for
   * every object, or a function choosing one per key (`undefined`: the
   * bucket's default). Never sent unless set, so S3-compatible stores that
   * reject unknown classes are safe by default.
   *
   * Trade-off on AWS: `INTELLIGENT_TIERING` moves cold layers to cheaper
   * tiers automatically (objects under 128 KiB are never moved, so
   * manifests cost the same); archive classes (`GLACIER`, `DEEP_ARCHIVE`)
   * make blobs unreadable until restored and must not be used.
   * @default undefined (the store's default class)
   * @example
   * ```ts
   * new S3Backend('images', { storageClass: (key) => (key.startsWith('blobs/') ? 'INTELLIGENT_TIERING' : undefined) });
   * ```
   */
  readonly storageClass?: string | ((key: string) => string | undefined);
  /**
   * Claim the `conditionalCreate` capability: `put(..., { ifNoneMatch: '*' })`
   * sends `If-None-Match: *` and relies on the store to refuse an existing
   * key. AWS S3, Ceph RGW, MinIO and Cloudflare R2 honour it; some emulators
   * (s3rver) silently ignore it, which would turn every create-if-absent
   * into an overwrite. So it is off for custom endpoints unless you know
   * your store enforces it.
   * @default true on AWS, false with a custom endpoint
   * @example
   * ```ts
   * new S3Backend('images', { endpoint: 'https://<account>.r2.cloudflarestorage.com', conditionalCreate: true });
   * ```
   */
  readonly conditionalCreate?: boolean;
  /**
   * The store enforces `If-None-Match: *` on CompleteMultipartUpload too, so
   * a conditional put larger than `multipartThreshold` stays atomic. AWS S3
   * does; Ceph RGW (at least up to 16.x) ignores it there and overwrites.
   * Without it, a conditional put of more than `multipartThreshold` bytes is
   * refused with UNSUPPORTED instead of silently losing atomicity (raise
   * `multipartThreshold` to allow bigger ones, at the cost of memory).
   * @default true on AWS, false with a custom endpoint
   * @example
   * ```ts
   * new S3Backend('images', { endpoint, conditionalCreate: true, conditionalMultipart: true }); // a store known to check it
   * ```
   */
  readonly conditionalMultipart?: boolean;
  /**
   * Claim the `pendingUploads` capability: `listPendingUploads()` and
   * `abortPendingUpload()` use ListMultipartUploads and
   * AbortMultipartUpload, so `s3lo clean` finds the multipart uploads that
   * killed pushes left behind (stored, billed, invisible to listings) and
   * aborts the abandoned ones. AWS S3 and Ceph RGW implement both; a store
   * that answers 501 NotImplemented (s3rver) makes them throw UNSUPPORTED,
   * which `clean` reports as "not checked". MinIO has listed only the
   * uploads of one exact key, so it finds none of these.
   * @default true
   * @example
   * ```ts
   * new S3Backend('images', { endpoint: 'http://127.0.0.1:4568', pendingUploads: false }); // s3rver
   * ```
   */
  readonly pendingUploads?: boolean;
  /**
   * Objects larger than this are uploaded in parts (multipart upload);
   * smaller ones in one PutObject, buffered in memory first so the request
   * can be retried and a short body is caught before anything is sent.
   * Memory per upload in flight is up to this many bytes.
   * @default 16 MiB
   * @example
   * ```ts
   * new S3Backend('images', { multipartThreshold: 64 * 1024 * 1024 });
   * ```
   */
  readonly multipartThreshold?: number;
  /**
   * Size of each part of a multipart upload (at least 5 MiB). Every part but
   * the last has exactly this size (Cloudflare R2 rejects unequal parts).
   * With a known size above `10000 * partSize` the part size grows to fit
   * S3's 10,000-part limit; a stream of unknown length is limited to
   * `10000 * partSize` bytes (78 GiB at the default). Memory per upload:
   * one part, plus up to `partConcurrency` more within `memoryBudget`.
   * @default 8 MiB
   * @example
   * ```ts
   * new S3Backend('images', { partSize: 32 * 1024 * 1024 }); // streams of unknown length up to 312 GiB
   * ```
   */
  readonly partSize?: number;
  /**
   * Server-side copies (`copy`) of objects larger than this are done part by
   * part with UploadPartCopy (multipart); smaller ones with one CopyObject.
   * CopyObject cannot copy more than 5 GiB, so this is at most 5 GiB. A
   * lower value is for stores that time out on long CopyObject requests,
   * and for tests of the multipart path.
   * @default 5 GiB
   * @example
   * ```ts
   * new S3Backend('images', { copyThreshold: 1024 * 1024 * 1024 }); // copies above 1 GiB go in parts
   * ```
   */
  readonly copyThreshold?: number;
  /**
   * Size of each part of a multipart copy (at least 5 MiB, at most 5 GiB):
   * every part but the last has exactly this size. For an object larger
   * than `10000 * copyPartSize` the part size grows (in whole MiB) to fit
   * S3's 10,000-part limit. Parts are copied by the store, not through this
   * process; `partConcurrency` of them at once.
   * @default 512 MiB
   * @example
   * ```ts
   * new S3Backend('images', { copyThreshold: 64 * 1024 * 1024, copyPartSize: 64 * 1024 * 1024 });
   * ```
   */
  readonly copyPartSize?: number;
  /**
   * Parts of one multipart upload sent in parallel.
   * @default 4
   * @example
   * ```ts
   * new S3Backend('images', { partConcurrency: 8 }); // faster on a fat link, 8 parts in memory
   * ```
   */
  readonly partConcurrency?: number;
  /**
   * A `get` of more bytes than this reads the object as parallel ranged
   * GETs, written to the stream in order, when no other download of the
   * backend is running at its start (with others running, the connections
   * are busy already and it reads in one GET); smaller reads use one or two
   * plain GETs.
   * @default 64 MiB
   * @example
   * ```ts
   * new S3Backend('images', { parallelDownloadThreshold: Infinity }); // never split downloads
   * ```
   */
  readonly parallelDownloadThreshold?: number;
  /**
   * Size of each ranged GET of a download (also the size of the first GET
   * of every read, which tells the object's size).
   * @default 8 MiB
   * @example
   * ```ts
   * new S3Backend('images', { downloadRangeSize: 16 * 1024 * 1024 });
   * ```
   */
  readonly downloadRangeSize?: number;
  /**
   * Ranged GETs of one download in flight (and buffered) at once. Memory
   * per download: one range, plus up to `downloadConcurrency - 1` more
   * within `memoryBudget`.
   * @default 4
   * @example
   * ```ts
   * new S3Backend('images', { downloadConcurrency: 8 });
   * ```
   */
  readonly downloadConcurrency?: number;
  /**
   * Bytes of object data the backend holds in memory for parallel transfers,
   * shared by all its uploads and downloads: the parts of multipart uploads
   * and the ranges downloads read ahead. Each transfer may always have one
   * part or range of its own beyond this (so a full budget slows transfers
   * down, never stops them); more run in parallel only while the budget
   * lasts. Peak memory is therefore about `memoryBudget` plus one part or
   * range per transfer, whatever the concurrency settings.
   * @default 64 MiB
   * @example
   * ```ts
   * new S3Backend('images', { memoryBudget: 256 * 1024 * 1024, partConcurrency: 16 }); // a fat link, memory to spare
   * ```
   */
  readonly memoryBudget?: number;
  /**
   * Attempts per request, the first included, for throttling (503 SlowDown,
   * 429), 5xx answers and transient network errors, with the SDK's adaptive
   * retry mode (exponential backoff with jitter plus client-side rate
   * limiting). Other errors are not retried.
   * @default 5
   * @example
   * ```ts
   * new S3Backend('images', { maxAttempts: 10 }); // a busy bucket with heavy throttling
   * ```
   */
  readonly maxAttempts?: number;
  /**
   * Sign the bodies of uploads (SigV4 `x-amz-content-sha256` with the
   * body's SHA-256) instead of sending `UNSIGNED-PAYLOAD`. Signing costs one
   * more SHA-256 pass over every uploaded byte, on top of the digest s3lo
   * verifies anyway. Over HTTPS, TLS already protects the bytes in transit
   * (and on AWS a CRC32 checksum is sent too), so the body is not signed,
   * as the Go, Java and Python SDKs do; over plain HTTP it is signed, so a
   * store catches bytes changed on the way.
   * @default false over https://, true over http://
   * @example
   * ```ts
   * new S3Backend('images', { endpoint: 'http://10.0.0.5:7480', payloadSigning: false }); // a trusted network: save the hashing
   * ```
   */
  readonly payloadSigning?: boolean;
  /**
   * How long to wait for a TCP connection before the attempt fails (and is
   * retried), in ms: at most 2^31-1 (about 24.8 days, the longest a Node
   * timer holds; a longer one would fire at once).
   * @default 10_000
   * @example
   * ```ts
   * new S3Backend('images', { endpoint, connectTimeoutMs: 2_000 });
   * ```
   */
  readonly connectTimeoutMs?: number;
  /**
   * List every key under the prefix and page through them in this process,
   * instead of relying on the store's ordering and page sizes. For stores
   * whose listings are not in UTF-8 byte order or that ignore `MaxKeys`
   * (s3rver). Costs a full listing of the prefix per page.
   * @default false
   * @example
   * ```ts
   * new S3Backend('test-bucket', { endpoint: 'http://127.0.0.1:4568', clientSideListing: true });
   * ```
   */
  readonly clientSideListing?: boolean;
  /**
   * A ready S3 client to use instead of building one (tests, custom
   * middleware, proxies). The backend then leaves the client's
   * configuration alone (set the checksum modes yourself for an
   * S3-compatible store) and does not destroy it on `close()`.
   * @example
   * ```ts
   * const client = new S3Client({ region: 'eu-west-1', requestHandler: myHandler });
   * new S3Backend('images', { client });
   * ```
   */
  readonly client?: S3Client;
  /**
   * Extra S3 client configuration, applied last over what the backend
   * derives (ignored with `client`). An escape hatch: anything set here is
   * your responsibility.
   * @example
   * ```ts
   * new S3Backend('images', { clientConfig: { useAccelerateEndpoint: true } });
   * ```
   */
  readonly clientConfig?: S3ClientConfig;
}

/** Everything the backend needs to know, with defaults and the environment applied. */
export interface ResolvedSettings {
  /** The custom endpoint, when there is one. */
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  readonly forcePathStyle: boolean;
  readonly requestChecksumCalculation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' | undefined;
  readonly responseChecksumValidation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' | undefined;
  readonly storageClass: (key: string) => string | undefined;
  readonly conditionalCreate: boolean;
  readonly conditionalMultipart: boolean;
  readonly pendingUploads: boolean;
  readonly multipartThreshold: number;
  readonly partSize: number;
  readonly partConcurrency: number;
  readonly copyThreshold: number;
  readonly copyPartSize: number;
  readonly parallelDownloadThreshold: number;
  readonly downloadRangeSize: number;
  readonly downloadConcurrency: number;
  readonly memoryBudget: number;
  readonly maxAttempts: number;
  /** Sign upload bodies; undefined: only over http://. */
  readonly payloadSigning: boolean | undefined;
  readonly connectTimeoutMs: number;
  readonly clientSideListing: boolean;
}

export const MIN_PART_SIZE = 5 * MiB;
/** S3's largest part, and CopyObject's largest object. */
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;

/**
 * The endpoint to use: the option, else `AWS_ENDPOINT_URL_S3`, else
 * `AWS_ENDPOINT_URL` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is set),
 * else none (AWS).
 */
export function resolveEndpoint(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (option !== undefined && option !== '') return validEndpoint(option, 'the endpoint option');
  if (/^(1|true)$/i.test(env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] ?? '')) return undefined;
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    const value = env[name];
    if (value !== undefined && value !== '') return validEndpoint(value, name);
  }
  return undefined;
}

function validEndpoint(text: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${source} ${JSON.stringify(text)} is not an http:// or https:// URL`, {
      hint: 'write the endpoint in full, e.g. http://127.0.0.1:9000',
    });
  }
  return text;
}

/** Applies defaults and the environment to the options; throws INVALID_ARGUMENT for bad values. */
export function resolveSettings(options: S3BackendOptions, env: NodeJS.ProcessEnv = process.env): ResolvedSettings {
  const injected = options.client;
  const endpoint = injected === undefined ? resolveEndpoint(options.endpoint, env) : undefined;
  const custom = injected === undefined ? endpoint !== undefined : injected.config.isCustomEndpoint === true;
  const partSize = positiveInteger(options.partSize, 'partSize', 8 * MiB);
  if (partSize < MIN_PART_SIZE) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `partSize must be at least 5 MiB (S3's minimum part size), got ${partSize}`);
  }
  const copyThreshold = positiveInteger(options.copyThreshold, 'copyThreshold', MAX_PART_SIZE);
  if (copyThreshold > MAX_PART_SIZE) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `copyThreshold must be at most 5 GiB (CopyObject's limit), got ${copyThreshold}`);
  }
  const copyPartSize = positiveInteger(options.copyPartSize, 'copyPartSize', 512 * MiB);
  if (copyPartSize < MIN_PART_SIZE || copyPartSize > MAX_PART_SIZE) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `copyPartSize must be from 5 MiB to 5 GiB (S3's part sizes), got ${copyPartSize}`);
  }
  const storageClass = options.storageClass;
  if (storageClass !== undefined && typeof storageClass !== 'function' && (typeof storageClass !== 'string' || storageClass === '')) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `storageClass must be a class name or a function, got ${JSON.stringify(storageClass)}`);
  }
  return {
    endpoint,
    region: options.region === '' ? undefined : options.region,
    forcePathStyle: options.forcePathStyle ?? custom,
    requestChecksumCalculation: options.requestChecksumCalculation ?? (custom ? 'WHEN_REQUIRED' : undefined),
    responseChecksumValidation: options.responseChecksumValidation ?? (custom ? 'WHEN_REQUIRED' : undefined),
    storageClass: typeof storageClass === 'function' ? storageClass : () => storageClass,
    conditionalCreate: options.conditionalCreate ?? !custom,
    conditionalMultipart: options.conditionalMultipart ?? !custom,
    pendingUploads: options.pendingUploads ?? true,
    multipartThreshold: positiveInteger(options.multipartThreshold, 'multipartThreshold', 16 * MiB),
    partSize,
    partConcurrency: positiveInteger(options.partConcurrency, 'partConcurrency', 4),
    copyThreshold,
    copyPartSize,
    parallelDownloadThreshold: positiveNumber(options.parallelDownloadThreshold, 'parallelDownloadThreshold', 64 * MiB),
    downloadRangeSize: positiveInteger(options.downloadRangeSize, 'downloadRangeSize', 8 * MiB),
    downloadConcurrency: positiveInteger(options.downloadConcurrency, 'downloadConcurrency', 4),
    memoryBudget: positiveInteger(options.memoryBudget, 'memoryBudget', 64 * MiB),
    maxAttempts: positiveInteger(options.maxAttempts, 'maxAttempts', 5),
    payloadSigning: options.payloadSigning,
    connectTimeoutMs: timerMs(options.connectTimeoutMs, 'connectTimeoutMs', 10_000),
    clientSideListing: options.clientSideListing ?? false,
  };
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A positive integer of ms that a timer is armed with, so at most MAX_TIMER_MS (see `checkTimerMs`). */
function timerMs(value: unknown, name: string, fallback: number): number {
  return checkTimerMs(name, positiveInteger(value, name, fallback), 1);
}

function positiveNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 1) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The part size of a multipart upload: the configured one, grown (in whole
 * MiB, so parts stay equal) when a known size would need more than 10,000
 * parts.
 */
export function partSizeFor(configured: number, size: number | undefined): number {
  if (size === undefined || size <= configured * MAX_PARTS) return configured;
  return Math.ceil(size / MAX_PARTS / MiB) * MiB;
}
