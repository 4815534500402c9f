/**
 * For test files: the GCS server the global setup started.
 *
 *   import { injectGcsServer } from '@s3lo/gcs-emulator/vitest';
 *   const server = injectGcsServer();
 */
import { inject } from 'vitest';
import { PROVIDED_KEY } from './provided.js';
import type { GcsServerInfo } from './types.js';

/** The GCS server of this test run. */
export function injectGcsServer(): GcsServerInfo {
  const info = inject(PROVIDED_KEY);
  if (info === undefined) {
    throw new Error('No GCS test server was provided: add "@s3lo/gcs-emulator/global-setup" to test.globalSetup in vitest.config.ts');
  }
  return info;
}
