/**
 * Faults that no GCS server here can show: the firebase-tools emulator
 * creates any bucket a request names and checks no credentials. A test
 * double answers every request with the status GCS gives for a missing
 * bucket (404) or for credentials it refuses (401 / 403), in the JSON API's
 * error shape, so the backend's mapping from status codes is tested end to
 * end through the SDK. Everything else runs against the emulator.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectS3loError } from '@s3lo/backend-conformance';
import { ErrorCode } from '@s3lo/core/storage';
import { GcsBackend } from '../src/index.js';

let status = 404;
/** When set, requests get no answer: the request is handed to this instead (a store that hangs). */
let hang: ((request: IncomingMessage) => void) | undefined;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    if (hang !== undefined) {
      hang(request);
      return;
    }
    const reason = status === 404 ? 'notFound' : status === 401 ? 'required' : 'forbidden';
    // The message says 404 whatever the status: the backend must not read it.
    const body = JSON.stringify({ error: { code: status, message: 'The specified bucket does not exist (404).', errors: [{ reason, message: 'x' }] } });
    response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function backend(): GcsBackend {
  return new GcsBackend('no-such-bucket', { apiEndpoint: endpoint, maxRetries: 0 });
}

describe('gs faults a test double shows (the emulator cannot)', () => {
  it('a missing bucket is one NOT_FOUND naming the bucket (details.missing), from stat, get, list, copy and deleteMany', async () => {
    status = 404;
    const b = backend();
    for (const [what, call] of [
      ['stat', () => b.stat('a')],
      ['get', () => b.get('a')],
      ['list', () => b.list()],
      ['copy', () => b.copy('a', 'b')],
      ['deleteMany', () => b.deleteMany(['a'])],
    ] as const) {
      const error = await expectS3loError(call, ErrorCode.NOT_FOUND, what);
      expect(error.details['missing'], what).toBe('bucket');
      expect(error.message, what).toBe('the bucket "no-such-bucket" does not exist');
      expect(error.hint, what).toMatch(/bucket name/);
    }
  });

  it('refused credentials (401, 403) are PERMISSION_DENIED with a hint, not NOT_FOUND whatever the message says', async () => {
    for (const refused of [401, 403]) {
      status = refused;
      const b = backend();
      for (const [what, call] of [
        ['stat', () => b.stat('a')],
        ['get', () => b.get('a')],
        ['put', () => b.put('a', Buffer.from('x'))],
        ['list', () => b.list()],
      ] as const) {
        const error = await expectS3loError(call, ErrorCode.PERMISSION_DENIED, `${what} answered ${refused}`);
        expect(error.hint, what).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
      }
    }
  });

  it('get, stat and list aborted while the store has not answered reject with ABORTED at once (a store that hangs)', async () => {
    try {
      for (const [what, call] of [
        ['get', (signal: AbortSignal) => backend().get('a', { signal })],
        ['stat', (signal: AbortSignal) => backend().stat('a', { signal })],
        ['list', (signal: AbortSignal) => backend().list({ signal })],
      ] as const) {
        const arrived = new Promise<IncomingMessage>((resolve) => {
          hang = resolve;
        });
        const controller = new AbortController();
        const pending = call(controller.signal);
        await arrived;
        controller.abort();
        await expectS3loError(pending, ErrorCode.ABORTED, `${what} aborted before the answer`);
      }
    } finally {
      hang = undefined;
    }
  });
});
