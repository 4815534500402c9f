import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { raceAbort } from '@s3lo/core/storage';
import { httpStatus, isNotFound, noSuchBucket, toS3loError } from './errors.js';
import type { ResolvedSettings, S3BackendOptions } from './options.js';

/** The SDK module, imported on first use so that loading the plugin costs nothing. */
export type S3Sdk = typeof import('@aws-sdk/client-s3');

let sdkPromise: Promise<S3Sdk> | undefined;

/** `@aws-sdk/client-s3`, imported once, lazily. */
export function loadSdk(): Promise<S3Sdk> {
  sdkPromise ??= import('@aws-sdk/client-s3');
  return sdkPromise;
}

/** A client and what the backend needs to know about where it points. */
export interface ClientHandle {
  readonly client: S3Client;
  readonly sdk: S3Sdk;
  /** The custom endpoint (for messages), undefined on AWS. */
  readonly endpoint: string | undefined;
  /** The backend built the client and destroys it on close. */
  readonly owned: boolean;
}

/** Regions discovered per bucket, shared by every backend of the process. */
const discoveredRegions = new Map<string, Promise<string>>();

/** Forgets discovered regions (tests). */
export function clearRegionCache(): void {
  discoveredRegions.clear();
}

/**
 * The S3 client configuration the settings call for. Pure, so the choices
 * (path style, checksums, retries, timeouts) are unit-tested.
 */
export function clientConfig(settings: ResolvedSettings, options: S3BackendOptions, region: string | undefined): S3ClientConfig {
  const config: S3ClientConfig = {
    forcePathStyle: settings.forcePathStyle,
    retryMode: 'adaptive',
    maxAttempts: settings.maxAttempts,
    requestHandler: { connectionTimeout: settings.connectTimeoutMs },
    // Safety net when a region is configured but the bucket lives elsewhere.
    followRegionRedirects: true,
  };
  if (settings.endpoint !== undefined) config.endpoint = settings.endpoint;
  if (region !== undefined) config.region = region;
  if (settings.requestChecksumCalculation !== undefined) config.requestChecksumCalculation = settings.requestChecksumCalculation;
  if (settings.responseChecksumValidation !== undefined) config.responseChecksumValidation = settings.responseChecksumValidation;
  if (options.credentials !== undefined) {
    const { accessKeyId, secretAccessKey, sessionToken } = options.credentials;
    config.credentials = { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) };
  }
  if (options.profile !== undefined) config.profile = options.profile;
  return { ...config, ...options.clientConfig };
}

/**
 * Builds the client: the endpoint from the settings or the profile's
 * `endpoint_url`, the region from the settings, the SDK's configuration
 * (environment, profile), or discovery from the bucket.
 */
export async function createClient(bucket: string, settings: ResolvedSettings, options: S3BackendOptions, signal: AbortSignal | undefined): Promise<ClientHandle> {
  const sdk = await loadSdk();
  if (options.client !== undefined) return { client: options.client, sdk, endpoint: undefined, owned: false };
  let effective = settings;
  if (settings.endpoint === undefined) {
    // A profile's endpoint_url (or services section): the SDK would use it
    // on its own, but then the S3-compatible defaults must apply too.
    const profileEndpoint = await configuredEndpoint(options.profile);
    if (profileEndpoint !== undefined) {
      effective = {
        ...settings,
        endpoint: profileEndpoint,
        forcePathStyle: options.forcePathStyle ?? true,
        requestChecksumCalculation: settings.requestChecksumCalculation ?? 'WHEN_REQUIRED',
        responseChecksumValidation: settings.responseChecksumValidation ?? 'WHEN_REQUIRED',
        conditionalCreate: options.conditionalCreate ?? false,
        conditionalMultipart: options.conditionalMultipart ?? false,
      };
    }
  }
  let region = effective.region ?? (await configuredRegion(sdk, options));
  if (region === undefined) {
    region = effective.endpoint === undefined ? await discoverRegion(sdk, bucket, effective, options, signal) : 'us-east-1';
  }
  const client = new sdk.S3Client(clientConfig(effective, options, region));
  skipPayloadHashing(client, effective.payloadSigning);
  return { client, sdk, endpoint: effective.endpoint, owned: true };
}

const CONTENT_SHA256 = 'x-amz-content-sha256';

/**
 * Sends upload bodies as `UNSIGNED-PAYLOAD` (over https://, or always when
 * `payloadSigning` is false), sparing the SigV4 signer a SHA-256 pass over
 * every byte. The signer uses a payload hash already in the headers as is;
 * one the SDK set itself (streaming checksums) is left alone.
 */
export function skipPayloadHashing(client: S3Client, payloadSigning: boolean | undefined): void {
  if (payloadSigning === true) return;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { protocol?: string; headers?: Record<string, string>; body?: unknown };
      const secure = request.protocol === 'https:';
      if ((secure || payloadSigning === false) && request.body instanceof Uint8Array && request.headers !== undefined) {
        const present = Object.keys(request.headers).some((name) => name.toLowerCase() === CONTENT_SHA256);
        if (!present) request.headers[CONTENT_SHA256] = 'UNSIGNED-PAYLOAD';
      }
      return next(args);
    },
    { step: 'build', priority: 'low', name: 's3loUnsignedPayload' },
  );
}

/**
 * The endpoint of the shared config files (`endpoint_url` of the profile or
 * its `services` section), which the SDK would use on its own.
 */
export async function configuredEndpoint(profile: string | undefined): Promise<string | undefined> {
  const sdk = await loadSdk();
  const probe = new sdk.S3Client({ region: 'us-east-1', ...(profile === undefined ? {} : { profile }) });
  try {
    const resolve = (probe.config as { serviceConfiguredEndpoint?: () => Promise<unknown> }).serviceConfiguredEndpoint;
    const value = typeof resolve === 'function' ? await resolve() : undefined;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    // A broken shared config file: leave the endpoint to AWS, the SDK reports the file itself.
    return undefined;
  } finally {
    probe.destroy();
  }
}

/** The region of the SDK's configuration (AWS_REGION, the profile), undefined when there is none. */
async function configuredRegion(sdk: S3Sdk, options: S3BackendOptions): Promise<string | undefined> {
  const probe = new sdk.S3Client(options.profile === undefined ? {} : { profile: options.profile });
  try {
    const region = await probe.config.region();
    return typeof region === 'string' && region !== '' ? region : undefined;
  } catch {
    // No region anywhere: discover the bucket's.
    return undefined;
  } finally {
    probe.destroy();
  }
}

/**
 * The bucket's region from HeadBucket's `x-amz-bucket-region` header, which
 * S3 sends on success and on the 301/400/403 answers of a wrong region too.
 * Cached per bucket for the process; `us-east-1` when nothing tells.
 */
async function discoverRegion(sdk: S3Sdk, bucket: string, settings: ResolvedSettings, options: S3BackendOptions, signal: AbortSignal | undefined): Promise<string> {
  let pending = discoveredRegions.get(bucket);
  if (pending === undefined) {
    pending = headBucketRegion(sdk, bucket, settings, options);
    discoveredRegions.set(bucket, pending);
    // A failed discovery is not cached: the next backend tries again.
    pending.catch(() => discoveredRegions.delete(bucket));
  }
  return signal === undefined ? pending : raceAbort(pending, signal);
}

async function headBucketRegion(sdk: S3Sdk, bucket: string, settings: ResolvedSettings, options: S3BackendOptions): Promise<string> {
  const config = clientConfig(settings, options, 'us-east-1');
  const probe = new sdk.S3Client({ ...config, followRegionRedirects: false });
  try {
    const output = await probe.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
    return output.BucketRegion ?? 'us-east-1';
  } catch (error) {
    const header = (error as { $response?: { headers?: Record<string, string | undefined> } }).$response?.headers?.['x-amz-bucket-region'];
    if (typeof header === 'string' && header !== '') return header;
    if (isNotFound(error)) throw noSuchBucket(bucket, error);
    if (httpStatus(error) !== undefined) return 'us-east-1';
    throw toS3loError(error, { op: 'discovering the region of', bucket });
  } finally {
    probe.destroy();
  }
}
