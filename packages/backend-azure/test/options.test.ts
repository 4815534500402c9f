import { describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '@s3lo/core/storage';
import { expectS3loError } from '@s3lo/backend-conformance';
import plugin, { AzureBackend } from '../src/index.js';
import { authSource, canSign } from '../src/client.js';
import { resolveSettings } from '../src/options.js';
import { azurite } from './azurite.js';

describe('the plugin', () => {
  it('serves az:// and names every option a user can give', () => {
    expect(plugin.schemes).toEqual(['az']);
    expect([...(plugin.optionNames ?? [])].sort()).toEqual([
      'accessTier',
      'account',
      'accountKey',
      'blockConcurrency',
      'blockSize',
      'connectionString',
      'endpoint',
      'maxAttempts',
      'sasToken',
    ]);
  });

  it('refuses an option of the wrong type, naming it', async () => {
    const error = await expectS3loError(async () => plugin.create('c', { connectionString: azurite.connectionString, blockSize: '8MiB' }), ErrorCode.INVALID_ARGUMENT, 'blockSize as text');
    expect(error.message).toContain('blockSize');
  });

  it('creates a backend from a connection string', async () => {
    const backend = await plugin.create('c', { connectionString: azurite.connectionString });
    expect(backend.scheme).toBe('az');
    expect(backend.bucket).toBe('c');
    expect(backend.capabilities).toEqual({ serverSideCopy: true, conditionalCreate: true, presignedGet: true, pendingUploads: false });
  });
});

describe('settings', () => {
  it('have defaults and refuse out-of-range values', () => {
    expect(resolveSettings({})).toMatchObject({ blockSize: 8 * 1024 * 1024, blockConcurrency: 4, maxAttempts: 4 });
    for (const options of [{ blockSize: 0 }, { blockSize: 1.5 }, { blockConcurrency: 0 }, { maxAttempts: 100 }]) {
      expect(() => resolveSettings(options), JSON.stringify(options)).toThrowError(S3loError);
    }
  });

  it('refuse the Archive tier with a hint', () => {
    try {
      resolveSettings({ accessTier: 'Archive' as never });
      expect.unreachable();
    } catch (error) {
      expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      expect((error as S3loError).hint).toMatch(/rehydrated/);
    }
  });

  it('an empty or slashed container name is INVALID_ARGUMENT', () => {
    expect(() => new AzureBackend('', { connectionString: azurite.connectionString })).toThrowError(/container name/);
    expect(() => new AzureBackend('a/b', { connectionString: azurite.connectionString })).toThrowError(/container name/);
  });
});

describe('credentials', () => {
  it('are taken from options, then the environment, in order', () => {
    expect(authSource({}, { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).kind).toBe('connectionString');
    expect(authSource({ account: 'acme' }, { AZURE_STORAGE_CONNECTION_STRING: '' })).toEqual({ kind: 'token', endpoint: 'https://acme.blob.core.windows.net', account: 'acme' });
    expect(authSource({}, { AZURE_STORAGE_ACCOUNT: 'acme', AZURE_STORAGE_KEY: 'a2V5' })).toMatchObject({ kind: 'sharedKey', account: 'acme', accountKey: 'a2V5' });
    expect(authSource({}, { AZURE_STORAGE_ACCOUNT: 'acme', AZURE_STORAGE_SAS_TOKEN: '?sv=1&sig=x' })).toMatchObject({ kind: 'sas', sasToken: 'sv=1&sig=x' });
    // A sovereign cloud: the endpoint replaces the public one.
    expect(authSource({ account: 'acme', endpoint: 'https://acme.blob.core.chinacloudapi.cn/' }, {})).toMatchObject({ endpoint: 'https://acme.blob.core.chinacloudapi.cn' });
    // Azurite's IP-style endpoint names the account in its path.
    expect(authSource({ endpoint: 'http://127.0.0.1:10000/devstoreaccount1', accountKey: 'a2V5' }, {})).toMatchObject({ account: 'devstoreaccount1' });
  });

  it('a token credential on a plain http endpoint is INVALID_ARGUMENT before any request', () => {
    // The SDK refuses to send bearer tokens without TLS; say so up front.
    expect(() => authSource({ endpoint: 'http://127.0.0.1:10000/devstoreaccount1' }, {})).toThrowError(/https/);
  });

  it('decide whether presigned URLs can be signed', () => {
    expect(canSign(authSource({ connectionString: azurite.connectionString }, {}))).toBe(true);
    expect(canSign(authSource({ account: 'acme' }, {}))).toBe(true);
    expect(canSign(authSource({ account: 'acme', sasToken: 'sv=1' }, {}))).toBe(false);
    expect(canSign(authSource({ connectionString: 'BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=1' }, {}))).toBe(false);
  });
});
