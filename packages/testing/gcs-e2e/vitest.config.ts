import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../../vitest.shared.js';

// The GCS test server is started once per run by the harness's global setup.
export default mergeConfig(sharedVitestConfig(import.meta.dirname, { testTimeout: 120_000 }), {
  test: { globalSetup: ['@s3lo/gcs-emulator/global-setup'] },
});
