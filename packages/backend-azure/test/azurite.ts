import { randomBytes } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import type { AzuriteInfo } from '@s3lo/azurite-server';
import { injectAzurite } from '@s3lo/azurite-server/vitest';
import { AzureBackend, type AzureBackendOptions } from '../src/index.js';

/** The Azurite of this run (started by the global setup). */
export const azurite: AzuriteInfo = injectAzurite();

let service: BlobServiceClient | undefined;

/** A plain SDK client with the development account, for set-up and inspection. */
export function adminService(): BlobServiceClient {
  service ??= BlobServiceClient.fromConnectionString(azurite.connectionString, { retryOptions: { maxTries: 1 } });
  return service;
}

/** A container name no other test uses (3-63 lowercase letters, digits, dashes). */
export function uniqueContainerName(): string {
  return `s3lo-${randomBytes(6).toString('hex')}`;
}

/** Backend options for Azurite: the connection string, quick failures on loopback. */
export function backendOptions(extra: AzureBackendOptions = {}): AzureBackendOptions {
  return { connectionString: azurite.connectionString, maxAttempts: 2, ...extra };
}

/** A fresh container and a backend bound to it; `remove` deletes the container. */
export async function freshBackend(extra: AzureBackendOptions = {}): Promise<{ backend: AzureBackend; container: string; remove(): Promise<void> }> {
  const container = uniqueContainerName();
  await adminService().getContainerClient(container).create();
  const backend = new AzureBackend(container, backendOptions(extra));
  return {
    backend,
    container,
    async remove() {
      await backend.close();
      await adminService().getContainerClient(container).deleteIfExists();
    },
  };
}

/**
 * Writes `key` and makes deleting it fail: an infinite lease on the blob (a
 * delete without the lease id is refused with 412 LeaseIdMissing). Returns
 * the undo (the blob stays, for the test to delete).
 */
export async function leaseBlob(container: string, key: string): Promise<() => Promise<void>> {
  const blob = adminService().getContainerClient(container).getBlockBlobClient(key);
  await blob.upload('x', 1);
  const lease = blob.getBlobLeaseClient();
  await lease.acquireLease(-1);
  return async () => {
    await lease.releaseLease();
  };
}
