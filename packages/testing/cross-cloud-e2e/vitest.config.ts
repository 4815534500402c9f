import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../../vitest.shared.js';

// The S3 leg needs no conditional writes nor ListMultipartUploads: s3rver,
// the cheapest server (~0.3 s to start, files in a temp dir), covers it.
// S3LO_TEST_S3=ceph-rgw runs the same tests on Ceph.
process.env.S3LO_TEST_S3 ||= 's3rver';

// The three servers start side by side, once per run, and stop at the end.
export default mergeConfig(sharedVitestConfig(import.meta.dirname, { testTimeout: 120_000 }), {
  test: { globalSetup: ['@s3lo/s3-servers/global-setup', '@s3lo/gcs-emulator/global-setup', '@s3lo/azurite-server/global-setup'] },
});
