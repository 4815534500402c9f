import type { BlobSASPermissions, ContainerClient, StoragePipelineOptions, UserDelegationKey } from '@azure/storage-blob';
import { ErrorCode, S3loError } from '@s3lo/core/storage';
import type { AzureBackendOptions, ResolvedSettings } from './options.js';

/** The SDK module, imported on first use so that loading the plugin costs nothing. */
export type BlobSdk = typeof import('@azure/storage-blob');

let sdkPromise: Promise<BlobSdk> | undefined;

/** `@azure/storage-blob`, imported once, lazily. */
export function loadSdk(): Promise<BlobSdk> {
  sdkPromise ??= import('@azure/storage-blob');
  return sdkPromise;
}

/** How the backend authenticates, decided from the options and the environment without any request. */
export type AuthSource =
  | { readonly kind: 'client'; readonly client: ContainerClient }
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | { readonly kind: 'sas'; readonly endpoint: string; readonly sasToken: string }
  | { readonly kind: 'sharedKey'; readonly endpoint: string; readonly account: string; readonly accountKey: string }
  | { readonly kind: 'token'; readonly endpoint: string; readonly account: string };

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Picks the credentials: a client, a connection string, a SAS, a shared
 * key, then DefaultAzureCredential (or the given credential) for an
 * account. Nothing usable is INVALID_ARGUMENT saying what to set.
 */
export function authSource(options: AzureBackendOptions, env: NodeJS.ProcessEnv): AuthSource {
  if (options.client !== undefined) return { kind: 'client', client: options.client };
  const connectionString = nonEmpty(options.connectionString) ?? nonEmpty(env['AZURE_STORAGE_CONNECTION_STRING']);
  if (connectionString !== undefined) return { kind: 'connectionString', connectionString };
  const account = nonEmpty(options.account) ?? nonEmpty(env['AZURE_STORAGE_ACCOUNT']);
  const endpoint = (nonEmpty(options.endpoint) ?? nonEmpty(env['AZURE_STORAGE_BLOB_ENDPOINT']) ?? (account === undefined ? undefined : `https://${account}.blob.core.windows.net`))?.replace(
    /\/+$/,
    '',
  );
  if (endpoint === undefined) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'no Azure storage account given', {
      hint: 'set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT (with AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN, or a sign-in for DefaultAzureCredential)',
    });
  }
  const sasToken = nonEmpty(options.sasToken) ?? nonEmpty(env['AZURE_STORAGE_SAS_TOKEN']);
  if (sasToken !== undefined) return { kind: 'sas', endpoint, sasToken: sasToken.replace(/^\?/, '') };
  const accountName = account ?? accountFromEndpoint(endpoint);
  const accountKey = nonEmpty(options.accountKey) ?? nonEmpty(env['AZURE_STORAGE_KEY']);
  if (accountKey !== undefined) return { kind: 'sharedKey', endpoint, account: accountName, accountKey };
  if (!endpoint.startsWith('https://')) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `token credentials (DefaultAzureCredential) need an https:// endpoint, got ${endpoint}`, {
      hint: 'use https, or give a key (AZURE_STORAGE_KEY, a connection string) or a SAS for a plain http endpoint such as Azurite',
    });
  }
  return { kind: 'token', endpoint, account: accountName };
}

/** The account of an endpoint: the first label of `acme.blob.core.windows.net`, or the first path segment of an IP-style URL (Azurite). */
function accountFromEndpoint(endpoint: string): string {
  const url = new URL(endpoint);
  const segment = url.pathname.split('/').find((part) => part !== '');
  if (segment !== undefined) return segment;
  return url.hostname.split('.')[0] ?? '';
}

/** Whether these credentials can sign SAS URLs: a shared key (locally) or a token (a user delegation key). */
export function canSign(source: AuthSource): boolean {
  switch (source.kind) {
    case 'client': {
      const credential = (source.client as { credential?: { computeHMACSHA256?: unknown } }).credential;
      return typeof credential?.computeHMACSHA256 === 'function';
    }
    case 'connectionString':
      return /(^|;)\s*AccountKey\s*=/i.test(source.connectionString) || /(^|;)\s*UseDevelopmentStorage\s*=\s*true/i.test(source.connectionString);
    case 'sas':
      return false;
    case 'sharedKey':
    case 'token':
      return true;
  }
}

/** The endpoint the source talks to, for messages. */
export function endpointOf(source: AuthSource): string | undefined {
  switch (source.kind) {
    case 'client':
      return source.client.url.replace(/\/[^/]*$/, '');
    case 'connectionString':
      return /(?:^|;)\s*BlobEndpoint\s*=\s*([^;]+)/i.exec(source.connectionString)?.[1] ?? undefined;
    default:
      return source.endpoint;
  }
}

/** A container client and what the backend needs besides it. */
export interface ClientHandle {
  readonly container: ContainerClient;
  readonly sdk: BlobSdk;
  readonly endpoint: string | undefined;
  /** Signs a read-only SAS URL of a blob, valid until `expiresOn`. */
  readonly signBlobUrl: (blobName: string, expiresOn: Date, permissions: BlobSASPermissions) => Promise<string>;
}

/** Builds the container client for the source (imports the SDK, and @azure/identity for tokens). */
export async function createClient(containerName: string, source: AuthSource, settings: ResolvedSettings, options: AzureBackendOptions): Promise<ClientHandle> {
  const sdk = await loadSdk();
  const pipeline: StoragePipelineOptions = {
    retryOptions: { maxTries: settings.maxAttempts },
    ...options.pipelineOptions,
  };
  const endpoint = endpointOf(source);
  let container: ContainerClient;
  let delegationKey: Promise<UserDelegationKey> | undefined;
  let delegationExpiry = 0;
  let service: import('@azure/storage-blob').BlobServiceClient | undefined;
  switch (source.kind) {
    case 'client':
      container = source.client;
      break;
    case 'connectionString':
      service = sdk.BlobServiceClient.fromConnectionString(source.connectionString, pipeline);
      container = service.getContainerClient(containerName);
      break;
    case 'sas':
      service = new sdk.BlobServiceClient(`${source.endpoint}?${source.sasToken}`, new sdk.AnonymousCredential(), pipeline);
      container = service.getContainerClient(containerName);
      break;
    case 'sharedKey':
      service = new sdk.BlobServiceClient(source.endpoint, new sdk.StorageSharedKeyCredential(source.account, source.accountKey), pipeline);
      container = service.getContainerClient(containerName);
      break;
    case 'token': {
      const credential = options.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
      service = new sdk.BlobServiceClient(source.endpoint, credential, pipeline);
      container = service.getContainerClient(containerName);
      break;
    }
  }
  const tokenService = source.kind === 'token' ? service : undefined;
  const signBlobUrl = async (blobName: string, expiresOn: Date, permissions: BlobSASPermissions): Promise<string> => {
    const blob = container.getBlobClient(blobName);
    if (tokenService === undefined) return blob.generateSasUrl({ permissions, expiresOn });
    // A user delegation key (valid up to 7 days) signs SAS URLs for an
    // identity without a shared key; one key serves many URLs.
    const now = Date.now();
    if (delegationKey === undefined || delegationExpiry < expiresOn.getTime()) {
      delegationExpiry = Math.min(now + 7 * 24 * 3600_000 - 60_000, Math.max(expiresOn.getTime(), now + 3600_000));
      delegationKey = tokenService.getUserDelegationKey(new Date(now - 5 * 60_000), new Date(delegationExpiry));
      delegationKey.catch(() => {
        delegationKey = undefined;
      });
    }
    const key = await delegationKey;
    const query = sdk.generateBlobSASQueryParameters({ containerName: container.containerName, blobName, permissions, expiresOn }, key, tokenService.accountName).toString();
    return `${blob.url}?${query}`;
  };
  return { container, sdk, endpoint, signBlobUrl };
}
