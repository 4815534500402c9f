import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { GcsServerInfo } from '@s3lo/gcs-emulator';
import { injectGcsServer } from '@s3lo/gcs-emulator/vitest';
import { GcsBackend, type GcsBackendOptions } from '../src/index.js';

/** The GCS test server of this run (the harness's global setup started it). */
export function testServer(): GcsServerInfo {
  return injectGcsServer();
}

let signer: { client_email: string; private_key: string } | undefined;

/**
 * A service account key made here: the SDK signs URLs with it locally (the
 * emulator serves signed URLs without checking the signature), and sends no
 * credentials to a custom endpoint.
 */
export function testCredentials(): { client_email: string; private_key: string } {
  if (signer === undefined) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signer = { client_email: 's3lo-test@demo-s3lo.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }
  return signer;
}

/**
 * Backend options for the test server: its endpoint and what the harness
 * says it can do (preconditions decide `conditionalCreate`; the emulator's
 * listings are in UTF-16 order and do not page common prefixes, so the
 * backend lists client-side there).
 */
export function backendOptions(server: GcsServerInfo, extra: GcsBackendOptions = {}): GcsBackendOptions {
  return {
    apiEndpoint: server.endpoint,
    projectId: server.projectId,
    credentials: testCredentials(),
    conditionalCreate: server.capabilities.preconditions,
    clientSideListing: !server.capabilities.orderedListings,
    maxRetries: 1,
    ...extra,
  };
}

/** A bucket name no other test uses (buckets appear on first write on the emulator). */
export function uniqueBucket(): string {
  return `s3lo-test-${randomBytes(6).toString('hex')}`;
}

/** Deletes every object of the backend's bucket. */
export async function emptyBucket(backend: GcsBackend): Promise<void> {
  for (;;) {
    const page = await backend.list();
    if (page.objects.length === 0) return;
    await backend.deleteMany(page.objects.map((o) => o.key));
  }
}

/** A backend bound to a fresh bucket; `remove` empties it and closes the backend. */
export function freshBackend(server: GcsServerInfo, extra: GcsBackendOptions = {}): { backend: GcsBackend; bucket: string; remove(): Promise<void> } {
  const bucket = uniqueBucket();
  const backend = new GcsBackend(bucket, backendOptions(server, extra));
  return {
    backend,
    bucket,
    async remove() {
      const cleaner = new GcsBackend(bucket, backendOptions(server));
      await emptyBucket(cleaner);
      await cleaner.close();
      await backend.close();
    },
  };
}
