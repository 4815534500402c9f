/**
 * vitest globalSetup: starts the GCS test server once per test run (in
 * vitest's main process), provides it to the test files
 * (`injectGcsServer()` from `@s3lo/gcs-emulator/vitest`) and stops it when
 * the run ends, its files removed.
 *
 *   // vitest.config.ts
 *   test: { globalSetup: ['@s3lo/gcs-emulator/global-setup'] }
 */
import type { TestProject } from 'vitest/node';
import { startFirebaseStorageEmulator } from './firebase-emulator.js';
import { PROVIDED_KEY } from './provided.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = performance.now();
  const server = await startFirebaseStorageEmulator();
  process.stderr.write(`gcs-emulator: ${server.kind} ${server.endpoint} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  const { stop, ...info } = server;
  project.provide(PROVIDED_KEY, info);
  return async function teardown() {
    await stop();
    process.stderr.write(`gcs-emulator: stopped ${server.kind}\n`);
  };
}
