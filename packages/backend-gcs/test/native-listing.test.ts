/**
 * Listing with GCS's own paging (the default, for Google Cloud Storage),
 * which the firebase-tools emulator cannot show (its listings are in UTF-16
 * order and repeat every common prefix on every page, so the conformance
 * run lists client-side). A test double answers the JSON API's list call as
 * GCS documents it: objects and prefixes together up to maxResults, in name
 * order, with a nextPageToken. The requests the SDK sends are checked too.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectS3loError } from '@s3lo/backend-conformance';
import { ErrorCode } from '@s3lo/core/storage';
import { GcsBackend } from '../src/index.js';

const object = (name: string) => ({ kind: 'storage#object', name, bucket: 'b', size: String(name.length), updated: '2026-01-02T03:04:05.000Z' });
const PAGES: Record<string, unknown> = {
  '': { kind: 'storage#objects', items: [object('x/c'), object('x/a')], prefixes: ['x/b/'], nextPageToken: 'gcs-token-1' },
  'gcs-token-1': { kind: 'storage#objects', items: [object('x/d')] },
};

let server: Server;
let endpoint: string;
const queries: URLSearchParams[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    const url = new URL(request.url ?? '/', 'http://x');
    queries.push(url.searchParams);
    const page = PAGES[url.searchParams.get('pageToken') ?? ''];
    response.writeHead(page === undefined ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(page ?? { error: { code: 400, errors: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('gs listing with GCS paging (a test double: the emulator cannot page like GCS)', () => {
  it('passes prefix, delimiter, page size and the store token through; merges objects and prefixes in byte order', async () => {
    const backend = new GcsBackend('b', { apiEndpoint: endpoint, maxRetries: 0 });
    queries.length = 0;
    const first = await backend.list({ prefix: 'x/', delimiter: '/', pageSize: 3 });
    expect(first.objects.map((o) => o.key)).toEqual(['x/a', 'x/c']);
    expect(first.commonPrefixes).toEqual(['x/b/']);
    expect(first.objects[0]).toEqual({ key: 'x/a', size: 3, lastModified: new Date('2026-01-02T03:04:05.000Z') });
    expect(first.nextToken).toBeTypeOf('string');
    expect(first.nextToken).not.toContain('gcs-token-1');
    expect(Object.fromEntries(queries[0] ?? [])).toMatchObject({ prefix: 'x/', delimiter: '/', maxResults: '3' });

    const second = await backend.list({ prefix: 'x/', delimiter: '/', pageSize: 3, continuationToken: first.nextToken as string });
    expect(queries[1]?.get('pageToken')).toBe('gcs-token-1');
    expect(second).toEqual({ objects: [expect.objectContaining({ key: 'x/d' })], commonPrefixes: [] });
  });

  it('refuses a token issued for another listing, or not by this backend, before any request', async () => {
    const backend = new GcsBackend('b', { apiEndpoint: endpoint, maxRetries: 0 });
    const first = await backend.list({ prefix: 'x/', delimiter: '/' });
    queries.length = 0;
    await expectS3loError(() => backend.list({ prefix: 'y/', delimiter: '/', continuationToken: first.nextToken as string }), ErrorCode.INVALID_ARGUMENT, 'token of another prefix');
    await expectS3loError(() => backend.list({ continuationToken: 'gcs-token-1' }), ErrorCode.INVALID_ARGUMENT, "the store's own token");
    expect(queries).toEqual([]);
  });
});
