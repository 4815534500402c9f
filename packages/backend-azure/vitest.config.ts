import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

// One Azurite (in memory, loopback, free port) is started per run by the
// harness's global setup and handed to the test files.
export default mergeConfig(sharedVitestConfig(import.meta.dirname, { testTimeout: 60_000 }), {
  test: { globalSetup: ['@s3lo/azurite-server/global-setup'] },
});
