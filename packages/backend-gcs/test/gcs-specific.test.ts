import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { expectS3loError, payloadBytes, readAll } from '@s3lo/backend-conformance';
import { ErrorCode } from '@s3lo/core/storage';
import { GcsBackend } from '../src/index.js';
import { backendOptions, freshBackend, testServer } from './server.js';

const server = testServer();
const { capabilities, gaps } = server;

/** A port on 127.0.0.1 where nothing listens (bound, read, closed). */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe(`gs on ${server.kind}: uploads`, () => {
  it('a body over resumableThreshold goes as a streamed resumable upload and round trips', async () => {
    const { backend, remove } = freshBackend(server, { resumableThreshold: 64 * 1024 });
    try {
      const bytes = payloadBytes('resumable', 1024 * 1024 + 7);
      const progress: number[] = [];
      await backend.put('blobs/resumable', bytes, { onProgress: (n) => progress.push(n) });
      expect(Buffer.compare(await readAll(await backend.get('blobs/resumable')), bytes)).toBe(0);
      expect(progress.at(-1)).toBe(bytes.length);
      await backend.deleteMany(['blobs/resumable']);
    } finally {
      await remove();
    }
  });

  it('chunked resumable uploads (chunkSize) round trip', async (ctx) => {
    if (!capabilities.chunkedResumableUploads) ctx.skip(gaps.chunkedResumableUploads);
    const { backend, remove } = freshBackend(server, { resumableThreshold: 64 * 1024, chunkSize: 256 * 1024 });
    try {
      const bytes = payloadBytes('chunked', 1024 * 1024 + 3);
      await backend.put('blobs/chunked', bytes);
      expect(Buffer.compare(await readAll(await backend.get('blobs/chunked')), bytes)).toBe(0);
      await backend.deleteMany(['blobs/chunked']);
    } finally {
      await remove();
    }
  });
});

describe(`gs on ${server.kind}: conditional create (ifGenerationMatch: 0)`, () => {
  it('creates an absent key and refuses an existing one with ALREADY_EXISTS, one-request and resumable alike', async (ctx) => {
    if (!capabilities.preconditions) ctx.skip(gaps.preconditions);
    const { backend, remove } = freshBackend(server, { conditionalCreate: true, resumableThreshold: 64 * 1024 });
    try {
      for (const size of [10, 200 * 1024]) {
        const key = `tags/c-${size}`;
        await backend.put(key, payloadBytes('first', size), { ifNoneMatch: '*' });
        await expectS3loError(() => backend.put(key, payloadBytes('second', size), { ifNoneMatch: '*' }), ErrorCode.ALREADY_EXISTS, `second create of ${key}`);
        expect(Buffer.compare(await readAll(await backend.get(key)), payloadBytes('first', size))).toBe(0);
      }
      await backend.deleteMany(['tags/c-10', `tags/c-${200 * 1024}`]);
    } finally {
      await remove();
    }
  });
});

describe(`gs on ${server.kind}: STORAGE_EMULATOR_HOST`, () => {
  it('reaches the emulator named by STORAGE_EMULATOR_HOST when no apiEndpoint is given', async () => {
    const saved = process.env['STORAGE_EMULATOR_HOST'];
    process.env['STORAGE_EMULATOR_HOST'] = server.endpoint;
    try {
      const options = backendOptions(server);
      const { apiEndpoint: _apiEndpoint, ...rest } = options;
      const backend = new GcsBackend(`s3lo-env-${Date.now().toString(36)}`, rest);
      expect(backend.capabilities.conditionalCreate).toBe(capabilities.preconditions);
      await backend.put('env/a', Buffer.from('through STORAGE_EMULATOR_HOST'));
      await backend.copy('env/a', 'env/b');
      expect((await readAll(await backend.get('env/b'))).toString()).toBe('through STORAGE_EMULATOR_HOST');
      expect((await backend.list({ prefix: 'env/' })).objects.map((o) => o.key)).toEqual(['env/a', 'env/b']);
      await backend.deleteMany(['env/a', 'env/b']);
      await backend.close();
    } finally {
      if (saved === undefined) delete process.env['STORAGE_EMULATOR_HOST'];
      else process.env['STORAGE_EMULATOR_HOST'] = saved;
    }
  });
});

describe(`gs on ${server.kind}: faults`, () => {
  it('a missing bucket is NOT_FOUND saying so (details.missing), from stat, get and list', async (ctx) => {
    if (!capabilities.buckets) ctx.skip(gaps.buckets);
    const backend = new GcsBackend(`s3lo-missing-${Date.now().toString(36)}`, backendOptions(server));
    for (const [what, call] of [
      ['stat', () => backend.stat('a')],
      ['get', () => backend.get('a')],
      ['list', () => backend.list()],
    ] as const) {
      const error = await expectS3loError(call, ErrorCode.NOT_FOUND, what);
      expect(error.details['missing'], what).toBe('bucket');
    }
  });

  it('a server that is down is one BACKEND_ERROR naming the endpoint, with a hint', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const backend = new GcsBackend('b', { apiEndpoint: endpoint, maxRetries: 0 });
    for (const [what, call] of [
      ['stat', () => backend.stat('a')],
      ['get', () => backend.get('a')],
      ['put', () => backend.put('a', Buffer.from('x'))],
      ['list', () => backend.list()],
    ] as const) {
      const error = await expectS3loError(call, ErrorCode.BACKEND_ERROR, what);
      expect(error.message, what).toContain(`cannot connect to ${endpoint} (ECONNREFUSED)`);
      expect(error.hint, what).toMatch(/store is running/);
    }
  });

  it('credentials that cannot sign make presignGet PERMISSION_DENIED with a hint', async () => {
    const saved = process.env['GOOGLE_APPLICATION_CREDENTIALS'];
    // Application Default Credentials from a key file that does not exist: fails at once, without looking for a metadata server.
    process.env['GOOGLE_APPLICATION_CREDENTIALS'] = '/nonexistent/s3lo-test-key.json';
    try {
      const { credentials: _credentials, ...options } = backendOptions(server);
      const backend = new GcsBackend('b', options);
      const error = await expectS3loError(() => backend.presignGet('a', { expiresInSeconds: 60 }), ErrorCode.PERMISSION_DENIED, 'presign without a key');
      expect(error.hint).toMatch(/service account key/);
    } finally {
      if (saved === undefined) delete process.env['GOOGLE_APPLICATION_CREDENTIALS'];
      else process.env['GOOGLE_APPLICATION_CREDENTIALS'] = saved;
    }
  });
});

describe(`gs on ${server.kind}: signed URLs`, () => {
  it('is a V4 signed URL on the endpoint, for the key, that a plain fetch reads', async () => {
    const { backend, remove } = freshBackend(server);
    try {
      await backend.put('dir/signed me+1.txt', Buffer.from('signed'));
      const url = new URL(await backend.presignGet('dir/signed me+1.txt', { expiresInSeconds: 300 }));
      expect(url.origin).toBe(server.endpoint);
      expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
      expect(url.searchParams.get('X-Goog-Expires')).toBe('300');
      const response = await fetch(url);
      expect([response.status, await response.text()]).toEqual([200, 'signed']);
      await backend.deleteMany(['dir/signed me+1.txt']);
    } finally {
      await remove();
    }
  });

  it('refuses a lifetime over 7 days and, without the capability, is UNSUPPORTED', async () => {
    const backend = new GcsBackend('b', { ...backendOptions(server), presignedGet: false });
    await expectS3loError(() => new GcsBackend('b', backendOptions(server)).presignGet('a', { expiresInSeconds: 8 * 24 * 3600 }), ErrorCode.INVALID_ARGUMENT, 'over 7 days');
    await expectS3loError(() => backend.presignGet('a', { expiresInSeconds: 60 }), ErrorCode.UNSUPPORTED, 'not claimed');
  });
});
