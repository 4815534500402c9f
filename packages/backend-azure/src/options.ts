import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import { ErrorCode, S3loError } from '@s3lo/core/storage';

const MiB = 1024 * 1024;

/** Access tiers a blob may be written in. `Archive` is refused: archived blobs cannot be read until rehydrated. */
export type AzureAccessTier = 'Hot' | 'Cool' | 'Cold';

/**
 * Options of {@link AzureBackend} (and of the `az` plugin, which passes its
 * `BackendOptions` through). Credentials are looked for in this order: a
 * `client`, `connectionString` (or `AZURE_STORAGE_CONNECTION_STRING`),
 * `sasToken` (or `AZURE_STORAGE_SAS_TOKEN`), `accountKey` (or
 * `AZURE_STORAGE_KEY`), then `DefaultAzureCredential` (environment, workload
 * and managed identity, Azure CLI...) for the `account` (or
 * `AZURE_STORAGE_ACCOUNT`).
 */
export interface AzureBackendOptions {
  /**
   * A storage connection string (`AccountName=...;AccountKey=...` or
   * `BlobEndpoint=...;SharedAccessSignature=...`). Without it the backend
   * reads `AZURE_STORAGE_CONNECTION_STRING`.
   * @example
   * ```ts
   * new AzureBackend('images', { connectionString: process.env.MY_STORAGE });
   * ```
   */
  readonly connectionString?: string;
  /**
   * The storage account name (`AZURE_STORAGE_ACCOUNT` otherwise). With no
   * key or SAS, the backend authenticates with `DefaultAzureCredential`.
   * @example
   * ```ts
   * new AzureBackend('images', { account: 'mycompanyimages' });
   * ```
   */
  readonly account?: string;
  /**
   * The account's shared key (`AZURE_STORAGE_KEY` otherwise). It also lets
   * `presignGet` sign SAS URLs locally.
   * @example
   * ```ts
   * new AzureBackend('images', { account: 'acme', accountKey: process.env.ACME_KEY });
   * ```
   */
  readonly accountKey?: string;
  /**
   * A shared access signature (the query string, with or without `?`;
   * `AZURE_STORAGE_SAS_TOKEN` otherwise), account- or container-scoped. A
   * SAS cannot sign other SAS URLs: the backend then does not claim
   * `presignedGet`.
   * @example
   * ```ts
   * new AzureBackend('images', { account: 'acme', sasToken: 'sv=2024-08-04&ss=b&srt=co&sp=rwdlac&se=...&sig=...' });
   * ```
   */
  readonly sasToken?: string;
  /**
   * The blob service endpoint: Azurite (`http://127.0.0.1:10000/devstoreaccount1`),
   * a sovereign cloud (`https://acme.blob.core.chinacloudapi.cn`), a private
   * endpoint. `AZURE_STORAGE_BLOB_ENDPOINT` otherwise; by default
   * `https://<account>.blob.core.windows.net`. A connection string's
   * `BlobEndpoint` wins over it.
   * @example
   * ```ts
   * new AzureBackend('images', { account: 'acme', endpoint: 'https://acme.blob.core.usgovcloudapi.net' });
   * ```
   */
  readonly endpoint?: string;
  /**
   * A credential of `@azure/identity` to use instead of
   * `DefaultAzureCredential` (programs only).
   * @example
   * ```ts
   * new AzureBackend('images', { account: 'acme', credential: new ManagedIdentityCredential() });
   * ```
   */
  readonly credential?: TokenCredential;
  /**
   * A ready container client (programs and tests); every credential and
   * endpoint option is then ignored, and `presignedGet` is claimed only when
   * the client holds a shared key.
   * @example
   * ```ts
   * new AzureBackend('images', { client: BlobServiceClient.fromConnectionString(cs).getContainerClient('images') });
   * ```
   */
  readonly client?: ContainerClient;
  /**
   * Pipeline options of the SDK client (proxy, retries, user agent...):
   * programs only, merged over the backend's own.
   * @example
   * ```ts
   * new AzureBackend('images', { pipelineOptions: { userAgentOptions: { userAgentPrefix: 'my-tool' } } });
   * ```
   */
  readonly pipelineOptions?: StoragePipelineOptions;
  /**
   * Access tier of written blobs (`put` and `copy`): a tier for every blob
   * or a function choosing one per key (`undefined`: the account's default
   * tier). `Cool` and `Cold` cost less to store and more to read: a fit for
   * old layers, not for manifests and tags that every pull reads. `Archive`
   * is refused (an archived blob is unreadable until rehydrated).
   * @default undefined (the account's default tier)
   * @example
   * ```ts
   * new AzureBackend('images', { accessTier: (key) => (key.startsWith('blobs/') ? 'Cool' : undefined) });
   * ```
   */
  readonly accessTier?: AzureAccessTier | ((key: string) => AzureAccessTier | undefined);
  /**
   * Size of each staged block of an upload: bodies longer than one block
   * are staged block by block (`blockConcurrency` at a time) and committed
   * at the end; a body of one block or less goes in a single Put Blob.
   * Memory per upload: up to `blockConcurrency + 1` blocks. A body of
   * unknown length is limited to 50,000 blocks (390 GiB at the default).
   * @default 8 MiB
   * @example
   * ```ts
   * new AzureBackend('images', { blockSize: 32 * 1024 * 1024 });
   * ```
   */
  readonly blockSize?: number;
  /**
   * Blocks of one upload staged in parallel.
   * @default 4
   * @example
   * ```ts
   * new AzureBackend('images', { blockConcurrency: 8 });
   * ```
   */
  readonly blockConcurrency?: number;
  /**
   * Attempts per request (first try included) for failures the SDK
   * retries (connection errors, 5xx, throttling).
   * @default 4
   * @example
   * ```ts
   * new AzureBackend('images', { maxAttempts: 8 }); // a flaky network
   * ```
   */
  readonly maxAttempts?: number;
}

/** Settings derived from the options, with defaults applied. */
export interface ResolvedSettings {
  readonly blockSize: number;
  readonly blockConcurrency: number;
  readonly maxAttempts: number;
  readonly accessTier: (key: string) => AzureAccessTier | undefined;
}

/** Azure's largest block (Put Block, API 2019-12-12 and later). */
export const MAX_BLOCK_SIZE = 4000 * MiB;
/** Azure's most blocks per blob. */
export const MAX_BLOCKS = 50_000;
const TIERS = new Set(['Hot', 'Cool', 'Cold']);

/** Applies defaults and checks ranges: INVALID_ARGUMENT naming the option. */
export function resolveSettings(options: AzureBackendOptions): ResolvedSettings {
  const blockSize = integer('blockSize', options.blockSize ?? 8 * MiB, 1, MAX_BLOCK_SIZE);
  const blockConcurrency = integer('blockConcurrency', options.blockConcurrency ?? 4, 1, 64);
  const maxAttempts = integer('maxAttempts', options.maxAttempts ?? 4, 1, 20);
  const tier = options.accessTier;
  if (typeof tier === 'string' && !TIERS.has(tier)) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `azure backend option accessTier must be "Hot", "Cool" or "Cold", got ${JSON.stringify(tier)}`, {
      hint: (tier as string) === 'Archive' ? 'archived blobs cannot be read until rehydrated: write in Cool or Cold and move old blobs with a lifecycle rule' : undefined,
    });
  }
  const accessTier = typeof tier === 'function' ? checkedTier(tier) : () => tier;
  return { blockSize, blockConcurrency, maxAttempts, accessTier };
}

function checkedTier(choose: (key: string) => AzureAccessTier | undefined): (key: string) => AzureAccessTier | undefined {
  return (key) => {
    const tier = choose(key);
    if (tier !== undefined && !TIERS.has(tier)) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `the accessTier function chose ${JSON.stringify(tier)} for ${JSON.stringify(key)}: only "Hot", "Cool" or "Cold"`);
    }
    return tier;
  };
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `azure backend option ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
