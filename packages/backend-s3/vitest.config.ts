import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../vitest.shared.js';

// The S3 servers (S3LO_TEST_S3, default Ceph RGW and s3rver) are started once
// per run by the harness's global setup and handed to the test files.
export default mergeConfig(sharedVitestConfig(import.meta.dirname, { testTimeout: 60_000 }), {
  test: { globalSetup: ['@s3lo/s3-servers/global-setup'] },
});
