import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobSASPermissions, ContainerSASPermissions } from '@azure/storage-blob';
import { ErrorCode } from '@s3lo/core/storage';
import { expectS3loError, payloadBytes, readAll } from '@s3lo/backend-conformance';
import { DEV_ACCOUNT } from '@s3lo/azurite-server';
import { AzureBackend } from '../src/index.js';
import { adminService, azurite, freshBackend } from './azurite.js';

const MiB = 1024 * 1024;

let fresh: Awaited<ReturnType<typeof freshBackend>>;
let backend: AzureBackend;
beforeEach(async () => {
  fresh = await freshBackend({ blockSize: MiB, blockConcurrency: 2 });
  backend = fresh.backend;
});
afterEach(async () => {
  await fresh.remove();
});

function adminBlob(key: string) {
  return adminService().getContainerClient(fresh.container).getBlockBlobClient(key);
}

/**
 * Another writer's staged upload of `key`: one block, committed, once the
 * put under test has staged `staged` blocks (the body runs ahead of the
 * uploads: streams read ahead, so the body's own progress says nothing).
 * A commit discards every other uncommitted block of the blob.
 */
async function commitOther(key: string, bytes: Buffer, staged = 2): Promise<void> {
  while (
    (
      (
        await adminBlob(key)
          .getBlockList('uncommitted')
          .catch(() => ({ uncommittedBlocks: [] }))
      ).uncommittedBlocks ?? []
    ).length < staged
  ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // Azure wants block ids of one length per blob: this one has the length of ours.
  const id = Buffer.from('other-writer-0000000000').toString('base64');
  await adminBlob(key).stageBlock(id, bytes, bytes.length);
  await adminBlob(key).commitBlockList([id]);
}

/** A body of `blocks` chunks of 1 MiB (the seed's bytes) that runs `before(i)` before yielding chunk i. */
async function* chunks(bytes: Buffer, before: (index: number) => Promise<void>): AsyncGenerator<Uint8Array> {
  for (let i = 0; i * MiB < bytes.length; i++) {
    await before(i);
    yield bytes.subarray(i * MiB, (i + 1) * MiB);
  }
}

describe('block uploads', () => {
  it('stage fixed-size blocks and commit them once, in order', async () => {
    const bytes = payloadBytes('blocks', 3 * MiB + 5);
    await backend.put('staged', bytes, { size: bytes.length });
    const list = await adminBlob('staged').getBlockList('all');
    expect(list.committedBlocks?.map((b) => b.size)).toEqual([MiB, MiB, MiB, 5]);
    expect(list.uncommittedBlocks ?? []).toEqual([]);
    expect((await readAll(await backend.get('staged'))).equals(bytes)).toBe(true);
    await backend.deleteMany(['staged']);
  });

  it('a body of one block goes in a single Put Blob (no block list)', async () => {
    const bytes = payloadBytes('single', MiB);
    await backend.put('single', bytes);
    const list = await adminBlob('single').getBlockList('committed');
    // Put Blob leaves a blob without blocks of its own.
    expect(list.committedBlocks ?? []).toEqual([]);
    await backend.deleteMany(['single']);
  });

  it('an upload aborted after staging blocks commits nothing', async () => {
    const bytes = payloadBytes('aborted', 4 * MiB);
    const controller = new AbortController();
    const body = chunks(bytes, async (i) => {
      if (i === 3) controller.abort(new Error('stop'));
    });
    await expectS3loError(backend.put('aborted', body, { signal: controller.signal }), ErrorCode.ABORTED, 'aborted put');
    await expectS3loError(backend.stat('aborted'), ErrorCode.NOT_FOUND, 'stat after the abort');
    expect((await backend.list()).objects).toEqual([]);
  });

  it('a commit whose blocks another writer discarded counts as overwritten by that writer', async () => {
    // Regression: without supersededCommit this put failed with InvalidBlockList.
    // The other writer commits once blocks 0 and 1 are staged, before the
    // body's third MiB is handed over: its commit discards them.
    const serial = new AzureBackend(fresh.container, { connectionString: azurite.connectionString, blockSize: MiB, blockConcurrency: 1 });
    const ours = payloadBytes('ours', 3 * MiB);
    const theirs = Buffer.from('the other writer');
    const body = chunks(ours, async (i) => {
      if (i === 2) await commitOther('contended', theirs);
    });
    await serial.put('contended', body);
    expect(await readAll(await backend.get('contended'))).toEqual(theirs);
    await backend.deleteMany(['contended']);
  });

  it('a conditional create that another writer beats while staging is ALREADY_EXISTS, their content kept', async () => {
    const serial = new AzureBackend(fresh.container, { connectionString: azurite.connectionString, blockSize: MiB, blockConcurrency: 1 });
    const ours = payloadBytes('ours', 3 * MiB);
    const theirs = Buffer.from('first');
    const body = chunks(ours, async (i) => {
      if (i === 2) await commitOther('race', theirs);
    });
    await expectS3loError(serial.put('race', body, { ifNoneMatch: '*' }), ErrorCode.ALREADY_EXISTS, 'conditional put that lost');
    expect(await readAll(await backend.get('race'))).toEqual(theirs);
    await backend.deleteMany(['race']);
  });

  it('a conditional create of an existing key fails before staging any block', async () => {
    await backend.put('exists', Buffer.from('x'));
    const bytes = payloadBytes('big', 3 * MiB);
    await expectS3loError(backend.put('exists', bytes, { ifNoneMatch: '*' }), ErrorCode.ALREADY_EXISTS, 'conditional put of an existing key');
    const list = await adminBlob('exists').getBlockList('all');
    expect(list.uncommittedBlocks ?? []).toEqual([]);
    await backend.deleteMany(['exists']);
  });
});

describe('reads', () => {
  it('ranges across block boundaries return exactly those bytes', async () => {
    const bytes = payloadBytes('ranges', 3 * MiB + 17);
    await backend.put('ranged', bytes);
    for (const [offset, length] of [
      [MiB - 3, 7],
      [2 * MiB - 1, MiB + 2],
      [0, 1],
      [3 * MiB, 17],
    ] as const) {
      const read = await readAll(await backend.get('ranged', { range: { offset, length } }));
      expect(read.equals(bytes.subarray(offset, offset + length)), `range ${offset}+${length}`).toBe(true);
    }
    const tail = await readAll(await backend.get('ranged', { range: { offset: 3 * MiB } }));
    expect(tail.equals(bytes.subarray(3 * MiB))).toBe(true);
    await backend.deleteMany(['ranged']);
  });

  it('get streams a Readable', async () => {
    await backend.put('stream', Buffer.from('abc'));
    expect(await backend.get('stream')).toBeInstanceOf(Readable);
    await backend.deleteMany(['stream']);
  });
});

describe('server-side copy', () => {
  it('copies a multi-block blob in the store, with the configured access tier', async () => {
    const tiered = new AzureBackend(fresh.container, { connectionString: azurite.connectionString, blockSize: MiB, accessTier: (key) => (key.startsWith('cool/') ? 'Cool' : undefined) });
    const bytes = payloadBytes('copy', 2 * MiB + 3);
    await tiered.put('source', bytes);
    await tiered.copy('source', 'cool/copy');
    expect((await readAll(await tiered.get('cool/copy'))).equals(bytes)).toBe(true);
    expect((await adminBlob('cool/copy').getProperties()).accessTier).toBe('Cool');
    await tiered.deleteMany(['source', 'cool/copy']);
  });

  it('writes puts in the configured access tier', async () => {
    const tiered = new AzureBackend(fresh.container, { connectionString: azurite.connectionString, blockSize: MiB, accessTier: 'Cool' });
    await tiered.put('small', Buffer.from('x'));
    await tiered.put('large', payloadBytes('tier', 2 * MiB));
    expect((await adminBlob('small').getProperties()).accessTier).toBe('Cool');
    expect((await adminBlob('large').getProperties()).accessTier).toBe('Cool');
    await tiered.deleteMany(['small', 'large']);
  });
});

describe('presigned reads and SAS credentials', () => {
  it('presignGet gives a read-only SAS URL that a plain fetch reads and cannot write with', async () => {
    await backend.put('dir/a b+c', Buffer.from('presigned'));
    const url = await backend.presignGet('dir/a b+c', { expiresInSeconds: 300 });
    expect(new URL(url).searchParams.get('sp')).toBe('r');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('presigned');
    const write = await fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'no' });
    expect(write.status).toBe(403);
    await backend.deleteMany(['dir/a b+c']);
  });

  it('a backend on a container SAS works and does not claim presignedGet', async () => {
    const sasUrl = await adminService()
      .getContainerClient(fresh.container)
      .generateSasUrl({ permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: new Date(Date.now() + 3600_000) });
    const sasToken = new URL(sasUrl).search;
    const sas = new AzureBackend(fresh.container, { account: DEV_ACCOUNT, endpoint: azurite.blobEndpoint, sasToken, maxAttempts: 1 });
    expect(sas.capabilities.presignedGet).toBe(false);
    await sas.put('via-sas', payloadBytes('sas', 2 * MiB));
    expect((await sas.stat('via-sas')).size).toBe(2 * MiB);
    expect((await sas.list()).objects.map((o) => o.key)).toEqual(['via-sas']);
    await sas.copy('via-sas', 'copied');
    await expectS3loError(sas.presignGet('via-sas', { expiresInSeconds: 60 }), ErrorCode.UNSUPPORTED, 'presign with a SAS');
    expect((await sas.deleteMany(['via-sas', 'copied'])).deleted).toEqual(['via-sas', 'copied']);
  });

  it('a read-only SAS is PERMISSION_DENIED for a put', async () => {
    const blobSas = await adminService()
      .getContainerClient(fresh.container)
      .generateSasUrl({ permissions: ContainerSASPermissions.parse('rl'), expiresOn: new Date(Date.now() + 3600_000) });
    const readOnly = new AzureBackend(fresh.container, { account: DEV_ACCOUNT, endpoint: azurite.blobEndpoint, sasToken: new URL(blobSas).search, maxAttempts: 1 });
    await expectS3loError(readOnly.put('nope', Buffer.from('x')), ErrorCode.PERMISSION_DENIED, 'put with a read-only SAS');
    expect(BlobSASPermissions.parse('r').toString()).toBe('r');
  });
});

describe('listing tokens', () => {
  it('a token of another prefix is INVALID_ARGUMENT', async () => {
    await backend.put('p/a', Buffer.from('1'));
    await backend.put('p/b', Buffer.from('2'));
    const page = await backend.list({ prefix: 'p/', pageSize: 1 });
    expect(page.nextToken).toBeDefined();
    await expectS3loError(backend.list({ prefix: 'q/', continuationToken: page.nextToken as string }), ErrorCode.INVALID_ARGUMENT, 'token of another prefix');
    await expectS3loError(backend.list({ continuationToken: 'garbage!' }), ErrorCode.INVALID_ARGUMENT, 'garbage token');
    await backend.deleteMany(['p/a', 'p/b']);
  });
});
