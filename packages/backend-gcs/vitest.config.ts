import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

// The GCS test server (firebase-tools' storage emulator) is started once per
// run by the harness's global setup and handed to the test files.
export default mergeConfig(sharedVitestConfig(import.meta.dirname, { testTimeout: 60_000 }), {
  test: { globalSetup: ['@s3lo/gcs-emulator/global-setup'] },
});
