/**
 * The gaps the harness declares still exist: if a firebase-tools upgrade
 * closes one, this fails, so the capability can be turned on and the tests
 * it skips run again. Plain HTTP against the JSON API, no SDK.
 */
import { describe, expect, it } from 'vitest';
import { injectGcsServer } from '../src/vitest.js';

const server = injectGcsServer();
let counter = 0;
const bucket = () => `gaps-${process.pid}-${++counter}`;

async function mediaUpload(bucketName: string, name: string, body: string, query = ''): Promise<Response> {
  const url = `${server.endpoint}/upload/storage/v1/b/${bucketName}/o?uploadType=media&name=${encodeURIComponent(name)}${query}`;
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
}

async function read(bucketName: string, name: string): Promise<Response> {
  return fetch(`${server.endpoint}/download/storage/v1/b/${bucketName}/o/${encodeURIComponent(name)}?alt=media`);
}

describe(`${server.kind}: the declared gaps are real`, () => {
  it('serves the JSON API on the endpoint, with and without the /storage/v1 prefix', async () => {
    const b = bucket();
    expect((await mediaUpload(b, 'a', 'x')).status).toBe(200);
    for (const path of [`/b/${b}/o`, `/storage/v1/b/${b}/o`]) {
      const listing = (await (await fetch(`${server.endpoint}${path}`)).json()) as { items?: { name: string }[] };
      expect(
        listing.items?.map((i) => i.name),
        path,
      ).toEqual(['a']);
    }
  });

  it('preconditions: ifGenerationMatch=0 over an existing object overwrites it', async () => {
    expect(server.capabilities.preconditions).toBe(false);
    const b = bucket();
    expect((await mediaUpload(b, 'p', 'first', '&ifGenerationMatch=0')).status).toBe(200);
    expect((await mediaUpload(b, 'p', 'second', '&ifGenerationMatch=0')).status).toBe(200);
    expect(await (await read(b, 'p')).text()).toBe('second');
  });

  it('buckets: a bucket nobody created lists as empty instead of 404, and cannot be created through the API', async () => {
    expect(server.capabilities.buckets).toBe(false);
    const listing = await fetch(`${server.endpoint}/b/${bucket()}/o`);
    expect(listing.status).toBe(200);
    const create = await fetch(`${server.endpoint}/b?project=${server.projectId}`, {
      method: 'POST',
      body: JSON.stringify({ name: bucket() }),
      headers: { 'content-type': 'application/json' },
    });
    expect(create.status).toBeGreaterThanOrEqual(400);
  });

  it('chunkedResumableUploads: the first PUT of a resumable upload finalizes it', async () => {
    expect(server.capabilities.chunkedResumableUploads).toBe(false);
    const b = bucket();
    const start = await fetch(`${server.endpoint}/upload/storage/v1/b/${b}/o?uploadType=resumable&name=r`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const location = start.headers.get('location');
    expect(location).toBeTruthy();
    const chunk = 'x'.repeat(256 * 1024);
    const first = await fetch(location as string, { method: 'PUT', body: chunk, headers: { 'content-range': 'bytes 0-262143/*' } });
    // GCS answers 308 (resume incomplete); the emulator finalizes the object.
    expect(first.status).toBe(200);
    expect((await (await read(b, 'r')).text()).length).toBe(chunk.length);
  });

  it('orderedListings: listings are in UTF-16 order, not UTF-8 byte order', async () => {
    expect(server.capabilities.orderedListings).toBe(false);
    const b = bucket();
    for (const name of ['k\u{1F600}', 'k\uFFFD']) expect((await mediaUpload(b, name, 'x')).status).toBe(200);
    const listing = (await (await fetch(`${server.endpoint}/b/${b}/o`)).json()) as { items: { name: string }[] };
    // UTF-8 order puts U+FFFD (EF BF BD) before U+1F600 (F0 9F 98 80).
    expect(listing.items.map((i) => i.name)).toEqual(['k\u{1F600}', 'k\uFFFD']);
  });
});
