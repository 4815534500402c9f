import { describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, decodeListCursor, encodeListCursor } from '@s3lo/core/storage';
import { clientConfig } from '../src/client.js';
import { copySource } from '../src/copy.js';
import { partSizeFor, resolveEndpoint, resolveSettings } from '../src/options.js';
import { S3Backend, plugin, type S3BackendOptions } from '../src/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function code(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return S3loError.isInstance(error) ? error.code : 'not an S3loError';
  }
  return undefined;
}

describe('endpoint resolution', () => {
  it('takes the option, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, else AWS', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://s3-specific:1', AWS_ENDPOINT_URL: 'http://generic:2' };
    expect(resolveEndpoint('http://option:3', env)).toBe('http://option:3');
    expect(resolveEndpoint(undefined, env)).toBe('http://s3-specific:1');
    expect(resolveEndpoint(undefined, { AWS_ENDPOINT_URL: 'http://generic:2' })).toBe('http://generic:2');
    expect(resolveEndpoint(undefined, {})).toBeUndefined();
    expect(resolveEndpoint(undefined, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBeUndefined();
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    expect(code(() => resolveEndpoint('127.0.0.1:9000', {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => resolveEndpoint(undefined, { AWS_ENDPOINT_URL: 'ftp://x' }))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('settings', () => {
  it('AWS: virtual-hosted, SDK checksum defaults, conditional create on, no storage class', () => {
    const settings = resolveSettings({}, {});
    expect(settings).toMatchObject({
      endpoint: undefined,
      forcePathStyle: false,
      requestChecksumCalculation: undefined,
      responseChecksumValidation: undefined,
      conditionalCreate: true,
      conditionalMultipart: true,
      pendingUploads: true,
    });
    expect(settings.storageClass('blobs/sha256/x')).toBeUndefined();
  });

  it('a custom endpoint (option or environment): path style, checksums WHEN_REQUIRED, no conditional create unless asked', () => {
    for (const settings of [resolveSettings({ endpoint: 'http://127.0.0.1:9000' }, {}), resolveSettings({}, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' })]) {
      expect(settings).toMatchObject({
        endpoint: 'http://127.0.0.1:9000',
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        conditionalCreate: false,
        conditionalMultipart: false,
        // ListMultipartUploads is core S3 (AWS, Ceph RGW); a store without it answers 501, reported as UNSUPPORTED.
        pendingUploads: true,
      });
      expect(settings.storageClass('blobs/x')).toBeUndefined();
      expect(resolveSettings({ endpoint: 'http://127.0.0.1:9000', pendingUploads: false }, {}).pendingUploads).toBe(false);
    }
  });

  it('every default can be overridden', () => {
    const settings = resolveSettings(
      {
        endpoint: 'http://127.0.0.1:9000',
        forcePathStyle: false,
        requestChecksumCalculation: 'WHEN_SUPPORTED',
        responseChecksumValidation: 'WHEN_SUPPORTED',
        conditionalCreate: true,
        storageClass: (key) => (key.startsWith('blobs/') ? 'INTELLIGENT_TIERING' : undefined),
        partSize: 16 * MiB,
        multipartThreshold: 32 * MiB,
      },
      {},
    );
    expect(settings).toMatchObject({ forcePathStyle: false, requestChecksumCalculation: 'WHEN_SUPPORTED', conditionalCreate: true, partSize: 16 * MiB });
    expect(settings.storageClass('blobs/sha256/x')).toBe('INTELLIGENT_TIERING');
    expect(settings.storageClass('manifests/app/v1')).toBeUndefined();
    expect(resolveSettings({ storageClass: 'STANDARD_IA' }, {}).storageClass('any')).toBe('STANDARD_IA');
  });

  it('refuses bad numbers and a part size under 5 MiB', () => {
    expect(code(() => resolveSettings({ partSize: 4 * MiB }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => resolveSettings({ partConcurrency: 0 }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => resolveSettings({ multipartThreshold: 1.5 }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => resolveSettings({ storageClass: '' }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => resolveSettings({ memoryBudget: -1 }, {}))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('transfers share a 64 MiB memory budget by default; payload signing is left to the protocol', () => {
    expect(resolveSettings({}, {})).toMatchObject({ memoryBudget: 64 * MiB, payloadSigning: undefined });
    expect(resolveSettings({ memoryBudget: 256 * MiB, payloadSigning: false }, {})).toMatchObject({ memoryBudget: 256 * MiB, payloadSigning: false });
  });

  it('copies: CopyObject up to 5 GiB and 512 MiB part copies by default; both can be lowered', () => {
    expect(resolveSettings({}, {})).toMatchObject({ copyThreshold: 5 * GiB, copyPartSize: 512 * MiB });
    expect(resolveSettings({ copyThreshold: 8 * MiB, copyPartSize: 5 * MiB }, {})).toMatchObject({ copyThreshold: 8 * MiB, copyPartSize: 5 * MiB });
    expect(resolveSettings({ copyThreshold: 1, copyPartSize: 5 * GiB }, {})).toMatchObject({ copyThreshold: 1, copyPartSize: 5 * GiB });
  });

  it('refuses a copy threshold outside 1 byte..5 GiB and a copy part size outside 5 MiB..5 GiB, naming the option', () => {
    const message = (options: S3BackendOptions): string => {
      try {
        resolveSettings(options, {});
      } catch (error) {
        if (S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT)) return error.message;
        throw error;
      }
      throw new Error(`${JSON.stringify(options)} was accepted`);
    };
    expect(message({ copyThreshold: 5 * GiB + 1 })).toMatch(/^copyThreshold must be at most 5 GiB/);
    expect(message({ copyThreshold: 0 })).toMatch(/^copyThreshold must be a positive integer/);
    expect(message({ copyThreshold: 1.5 })).toMatch(/^copyThreshold must be a positive integer/);
    expect(message({ copyThreshold: '8388608' as unknown as number })).toMatch(/^copyThreshold must be a positive integer/);
    expect(message({ copyPartSize: 5 * MiB - 1 })).toMatch(/^copyPartSize must be from 5 MiB to 5 GiB/);
    expect(message({ copyPartSize: 5 * GiB + 1 })).toMatch(/^copyPartSize must be from 5 MiB to 5 GiB/);
    expect(message({ copyPartSize: -1 })).toMatch(/^copyPartSize must be a positive integer/);
  });

  it('an injected client: its endpoint decides the capability defaults', () => {
    const custom = new S3Client({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' });
    const aws = new S3Client({ region: 'eu-west-1' });
    expect(new S3Backend('b', { client: custom }).capabilities.conditionalCreate).toBe(false);
    expect(new S3Backend('b', { client: aws }).capabilities.conditionalCreate).toBe(true);
    expect(new S3Backend('b', { client: custom, conditionalCreate: true }).capabilities.conditionalCreate).toBe(true);
    custom.destroy();
    aws.destroy();
  });

  it('the part size grows in whole MiB to stay within 10,000 parts', () => {
    expect(partSizeFor(8 * MiB, undefined)).toBe(8 * MiB);
    expect(partSizeFor(8 * MiB, 1024 * MiB)).toBe(8 * MiB);
    const big = 200 * 1024 * MiB;
    const size = partSizeFor(8 * MiB, big);
    expect(size % MiB).toBe(0);
    expect(Math.ceil(big / size)).toBeLessThanOrEqual(10_000);
    // A 5 TiB copy would need 10,240 parts of the default 512 MiB: they grow to 525 MiB.
    const copyPart = partSizeFor(512 * MiB, 5 * 1024 * GiB);
    expect(copyPart).toBe(525 * MiB);
    expect(Math.ceil((5 * 1024 * GiB) / copyPart)).toBeLessThanOrEqual(10_000);
  });
});

describe('client configuration', () => {
  it('adaptive retries with bounded attempts, connect timeout, region redirects; checksums and path style from the settings', () => {
    const settings = resolveSettings({ endpoint: 'http://127.0.0.1:9000' }, {});
    const config = clientConfig(settings, { credentials: { accessKeyId: 'a', secretAccessKey: 's' } }, 'us-east-1');
    expect(config).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      retryMode: 'adaptive',
      maxAttempts: 5,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 10_000 },
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
      followRegionRedirects: true,
    });
    const aws = clientConfig(resolveSettings({}, {}), {}, undefined);
    expect(aws.credentials, 'the default chain, nothing in between').toBeUndefined();
    expect(aws.endpoint).toBeUndefined();
    expect(aws.region).toBeUndefined();
    expect(aws.requestChecksumCalculation).toBeUndefined();
    expect(clientConfig(resolveSettings({}, {}), { clientConfig: { maxAttempts: 9 } }, 'x').maxAttempts).toBe(9);
  });
});

describe('continuation tokens', () => {
  it('round trip and are bound to the listing they came from', () => {
    const token = encodeListCursor({ token: 'abc/+=' }, 'blobs/', '/');
    expect(decodeListCursor(token, 'blobs/', '/')).toEqual({ token: 'abc/+=' });
    expect(decodeListCursor(encodeListCursor({ after: 'blobs/x' }, 'blobs/', undefined), 'blobs/', undefined)).toEqual({ after: 'blobs/x' });
    expect(code(() => decodeListCursor(token, 'other/', '/'))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(code(() => decodeListCursor(token, 'blobs/', undefined))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('refuses tokens this backend did not issue', () => {
    for (const bad of ['garbage!', 'Zm9v', Buffer.from('{"v":2,"p":"","d":null,"t":"x"}').toString('base64url'), Buffer.from('{"v":1,"p":"","d":null}').toString('base64url')]) {
      expect(
        code(() => decodeListCursor(bad, '', undefined)),
        bad,
      ).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});

describe('copy source encoding', () => {
  it('percent-encodes every path segment of the key, keeping "/"', () => {
    expect(copySource('b', 'blobs/sha256/abc')).toBe('b/blobs/sha256/abc');
    expect(copySource('b', 'a/with space+plus')).toBe('b/a/with%20space%2Bplus');
    expect(copySource('b', 'a/q?x=1#f%25')).toBe('b/a/q%3Fx%3D1%23f%2525');
    expect(copySource('b', 'caf\u00e9/\u65e5')).toBe('b/caf%C3%A9/%E6%97%A5');
    expect(copySource('b', "it's (a) *star*!")).toBe('b/it%27s%20%28a%29%20%2Astar%2A%21');
  });
});

describe('plugin', () => {
  it('is the default export and the named plugin, serving s3', async () => {
    const module = await import('../src/index.js');
    expect(module.default).toBe(plugin);
    expect(plugin).toMatchObject({ kind: 'backend', contractVersion: 1, name: '@s3lo/backend-s3', schemes: ['s3'] });
    const backend = await plugin.create('bucket', { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' });
    expect(backend).toMatchObject({ scheme: 's3', bucket: 'bucket', capabilities: { serverSideCopy: true, presignedGet: true, conditionalCreate: false } });
    await backend.close?.();
  });

  it('refuses options of the wrong type', async () => {
    await expect(plugin.create('bucket', { forcePathStyle: 'yes' })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(plugin.create('bucket', { endpoint: 42 as unknown as string })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    await expect(plugin.create('', {})).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
  });

  it('refuses numeric options that are not numbers, naming the option', async () => {
    for (const name of [
      'multipartThreshold',
      'partSize',
      'partConcurrency',
      'copyThreshold',
      'copyPartSize',
      'parallelDownloadThreshold',
      'downloadRangeSize',
      'downloadConcurrency',
      'maxAttempts',
      'connectTimeoutMs',
    ]) {
      await expect(plugin.create('bucket', { endpoint: 'http://127.0.0.1:9', [name]: '8388608' }), name).rejects.toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
        message: `s3 backend option ${name} must be a number, got "8388608"`,
      });
    }
    await expect(plugin.create('bucket', { conditionalMultipart: 'true' })).rejects.toMatchObject({ message: 's3 backend option conditionalMultipart must be true or false, got "true"' });
    await expect(plugin.create('bucket', { storageClass: 3 })).rejects.toMatchObject({ message: 's3 backend option storageClass must be a storage class name or a function, got 3' });
    // Numbers reach the backend, which checks their range.
    await expect(plugin.create('bucket', { endpoint: 'http://127.0.0.1:9', copyPartSize: 1024 })).rejects.toMatchObject({ message: /^copyPartSize must be from 5 MiB/ });
    // A connect timeout is a timer: beyond 2^31-1 ms Node fires it after 1 ms, so every connection would time out at once.
    await expect(plugin.create('bucket', { endpoint: 'http://127.0.0.1:9', connectTimeoutMs: 2 ** 31 })).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: 'connectTimeoutMs must be a number of milliseconds from 1 to 2147483647 (about 24.8 days, the longest a timer holds), got 2147483648',
    });
    const slow = await plugin.create('bucket', { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', connectTimeoutMs: 2 ** 31 - 1 });
    await slow.close?.();
    const backend = await plugin.create('bucket', { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', partSize: 5 * MiB, copyThreshold: 8 * MiB, conditionalCreate: true });
    expect(backend.capabilities.conditionalCreate).toBe(true);
    await backend.close?.();
  });

  it('names the options a user can give as text: every option but client, clientConfig and credentials', () => {
    // plugin.ts keeps them in a Record over the keys of S3BackendOptions: a new option not listed there fails the build.
    const names = plugin.optionNames ?? [];
    expect(names).toEqual(
      expect.arrayContaining([
        'endpoint',
        'region',
        'profile',
        'forcePathStyle',
        'requestChecksumCalculation',
        'responseChecksumValidation',
        'storageClass',
        'conditionalCreate',
        'conditionalMultipart',
        'pendingUploads',
        'multipartThreshold',
        'partSize',
        'partConcurrency',
        'copyThreshold',
        'copyPartSize',
        'parallelDownloadThreshold',
        'downloadRangeSize',
        'downloadConcurrency',
        'maxAttempts',
        'connectTimeoutMs',
        'clientSideListing',
      ]),
    );
    for (const programOnly of ['client', 'clientConfig', 'credentials', 'signal']) expect(names).not.toContain(programOnly);
    expect(new Set(names).size).toBe(names.length);
  });
});
