import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../../vitest.shared.js';

// The package's own tests use its global setup from source: it starts the
// servers chosen by S3LO_TEST_S3 (default: Ceph RGW and s3rver) once.
export default mergeConfig(sharedVitestConfig(import.meta.dirname), {
  test: { globalSetup: ['./src/global-setup.ts'] },
});
