import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@s3lo/core/storage';
import { expectS3loError } from '@s3lo/backend-conformance';
import { connectionString, DEV_ACCOUNT, freePort } from '@s3lo/azurite-server';
import { AzureBackend } from '../src/index.js';
import { authSource } from '../src/client.js';
import { azurite, backendOptions, uniqueContainerName } from './azurite.js';

describe('a container that does not exist', () => {
  it('is NOT_FOUND naming the container, from every method', async () => {
    const name = uniqueContainerName();
    const backend = new AzureBackend(name, backendOptions());
    for (const [what, call] of [
      ['stat', () => backend.stat('a')],
      ['get', () => backend.get('a')],
      ['list', () => backend.list()],
      ['put', () => backend.put('a', Buffer.from('x'))],
      ['deleteMany', () => backend.deleteMany(['a'])],
      ['copy', () => backend.copy('a', 'b')],
    ] as const) {
      const error = await expectS3loError(call, ErrorCode.NOT_FOUND, what);
      expect(error.details['missing'], what).toBe('bucket');
      expect(error.message, what).toContain(name);
      expect(error.hint, what).toMatch(/container/);
    }
  });
});

describe('bad credentials', () => {
  it('are PERMISSION_DENIED with a hint, not a raw 403', async () => {
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const badConnection = azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`);
    const backend = new AzureBackend(uniqueContainerName(), { connectionString: badConnection, maxAttempts: 1 });
    const error = await expectS3loError(backend.list(), ErrorCode.PERMISSION_DENIED, 'list with a wrong account key');
    expect(error.details['status']).toBe(403);
    expect(error.hint).toMatch(/account key|SAS/);
  });

  it('no credential at all is PERMISSION_DENIED naming the variables (a credential double: no server can refuse to issue a token)', async () => {
    const unavailable = Object.assign(new Error('no identity here'), { name: 'CredentialUnavailableError' });
    // https (bearer tokens need TLS), on a port where nothing listens: the
    // credential is asked before any connection is made.
    const backend = new AzureBackend(uniqueContainerName(), {
      account: DEV_ACCOUNT,
      endpoint: `https://127.0.0.1:${await freePort()}/${DEV_ACCOUNT}`,
      maxAttempts: 1,
      credential: { getToken: async () => Promise.reject(unavailable) },
    });
    const error = await expectS3loError(backend.list(), ErrorCode.PERMISSION_DENIED, 'list without credentials');
    expect(error.hint).toMatch(/AZURE_STORAGE_CONNECTION_STRING/);
  });

  it('no account anywhere is INVALID_ARGUMENT before any request', () => {
    expect(() => authSource({}, {})).toThrowError(/no Azure storage account/);
  });
});

describe('a server that is down', () => {
  it('is one BACKEND_ERROR naming the endpoint', async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
    const backend = new AzureBackend(uniqueContainerName(), { connectionString: connectionString(endpoint), maxAttempts: 1 });
    const error = await expectS3loError(backend.stat('a'), ErrorCode.BACKEND_ERROR, 'stat with nothing listening');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.details['errno']).toBe('ECONNREFUSED');
    expect(error.hint).toMatch(/running/);
  });
});
