/**
 * For test files: the Azurite the global setup started.
 *
 *   import { injectAzurite } from '@s3lo/azurite-server/vitest';
 *   const azurite = injectAzurite();
 */
import { inject } from 'vitest';
import type { AzuriteInfo } from './azurite.js';
import { PROVIDED_KEY } from './provided.js';

/** The Azurite of this test run. */
export function injectAzurite(): AzuriteInfo {
  const info = inject(PROVIDED_KEY);
  if (info === undefined) {
    throw new Error('No Azurite was provided: add "@s3lo/azurite-server/global-setup" to test.globalSetup in vitest.config.ts');
  }
  return info;
}
