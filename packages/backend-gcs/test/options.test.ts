import { describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '@s3lo/core/storage';
import { storageOptions } from '../src/client.js';
import gcs, { GcsBackend, plugin } from '../src/index.js';
import { resolveSettings } from '../src/options.js';
import { toGcsBackendOptions } from '../src/plugin.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return S3loError.isInstance(error) ? error.code : 'not an S3loError';
  }
  return undefined;
}

describe('settings', () => {
  it('Google Cloud Storage: conditional create and signed URLs on, one-request uploads up to 8 MiB, resumable uploads in one stream', () => {
    const settings = resolveSettings({}, {});
    expect(settings).toMatchObject({
      custom: false,
      conditionalCreate: true,
      presignedGet: true,
      resumableThreshold: 8 * 1024 * 1024,
      chunkSize: undefined,
      deleteConcurrency: 16,
      maxRetries: 3,
    });
  });

  it('an emulator (apiEndpoint or STORAGE_EMULATOR_HOST): no conditional create unless asked', () => {
    expect(resolveSettings({ apiEndpoint: 'http://127.0.0.1:9199/' }, {})).toMatchObject({ custom: true, conditionalCreate: false, apiEndpoint: 'http://127.0.0.1:9199' });
    expect(resolveSettings({}, { STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9199' })).toMatchObject({ custom: true, conditionalCreate: false });
    expect(resolveSettings({ conditionalCreate: true }, { STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9199' }).conditionalCreate).toBe(true);
  });

  it('refuses an endpoint that is not an http(s) URL, bad numbers, and a chunk size that is not a multiple of 256 KiB', () => {
    expect(codeOf(() => resolveSettings({ apiEndpoint: '127.0.0.1:9199' }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => resolveSettings({ resumableThreshold: 0 }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => resolveSettings({ deleteConcurrency: 1.5 }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => resolveSettings({ chunkSize: 1000 }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(resolveSettings({ chunkSize: 512 * 1024, maxRetries: 0 }, {})).toMatchObject({ chunkSize: 512 * 1024, maxRetries: 0 });
  });

  it('the client: Application Default Credentials unless a key is given; retries from maxRetries', () => {
    const settings = resolveSettings({ maxRetries: 0 }, {});
    expect(storageOptions(settings, {})).toEqual({ retryOptions: { autoRetry: false, maxRetries: 0 } });
    const withKey = storageOptions(resolveSettings({ apiEndpoint: 'http://127.0.0.1:1' }, {}), { keyFilename: '/k.json', projectId: 'p' });
    expect(withKey).toMatchObject({ apiEndpoint: 'http://127.0.0.1:1', keyFilename: '/k.json', projectId: 'p', retryOptions: { autoRetry: true, maxRetries: 3 } });
    expect(withKey).not.toHaveProperty('credentials');
  });

  it('capabilities follow the settings; no pending uploads (resumable sessions are not listable)', () => {
    const backend = new GcsBackend('b', { apiEndpoint: 'http://127.0.0.1:1', presignedGet: false });
    expect(backend.capabilities).toEqual({ serverSideCopy: true, conditionalCreate: false, presignedGet: false, pendingUploads: false });
    expect(codeOf(() => new GcsBackend('a/b'))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('plugin', () => {
  it('is the default export and the named plugin, serving gs', async () => {
    expect(gcs).toBe(plugin);
    expect(plugin.schemes).toEqual(['gs']);
    const backend = await plugin.create('b', { endpoint: 'http://127.0.0.1:1' });
    expect(backend).toBeInstanceOf(GcsBackend);
    expect(backend.capabilities.conditionalCreate).toBe(false);
  });

  it('--endpoint is the apiEndpoint; --region means nothing to GCS and is ignored', () => {
    expect(toGcsBackendOptions({ endpoint: 'http://127.0.0.1:1', region: 'eu' })).toEqual({ apiEndpoint: 'http://127.0.0.1:1' });
    expect(codeOf(() => toGcsBackendOptions({ endpoint: 'http://127.0.0.1:1', apiEndpoint: 'http://127.0.0.1:2' }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('refuses options of the wrong type, naming the option', () => {
    for (const [name, value] of [
      ['chunkSize', '256k'],
      ['conditionalCreate', 'yes'],
      ['apiEndpoint', 9199],
      ['endpoint', 9199],
    ] as const) {
      try {
        toGcsBackendOptions({ [name]: value });
        expect.fail(`${name}=${String(value)} was accepted`);
      } catch (error) {
        expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT), name).toBe(true);
        expect((error as Error).message).toContain(name);
      }
    }
  });

  it('names the options a user can give as text: every option but storage and credentials, and endpoint (--endpoint)', () => {
    expect([...(plugin.optionNames ?? [])].sort()).toEqual(
      [
        'apiEndpoint',
        'chunkSize',
        'clientSideListing',
        'conditionalCreate',
        'deleteConcurrency',
        'endpoint',
        'keyFilename',
        'maxRetries',
        'presignedGet',
        'projectId',
        'resumableThreshold',
      ].sort(),
    );
  });
});
