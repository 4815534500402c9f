/**
 * vitest globalSetup: starts one Azurite per test run (in vitest's main
 * process), provides its endpoint and credentials to the test files
 * (`injectAzurite()` from `@s3lo/azurite-server/vitest`), and stops it when
 * the run ends, whether tests passed or not.
 *
 *   // vitest.config.ts
 *   test: { globalSetup: ['@s3lo/azurite-server/global-setup'] }
 */
import type { TestProject } from 'vitest/node';
import { startAzurite } from './azurite.js';
import { PROVIDED_KEY } from './provided.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = performance.now();
  const server = await startAzurite();
  process.stderr.write(`azurite-server: ${server.blobEndpoint} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  const { stop, ...info } = server;
  project.provide(PROVIDED_KEY, info);
  return async function teardown() {
    await stop();
    process.stderr.write('azurite-server: stopped\n');
  };
}
