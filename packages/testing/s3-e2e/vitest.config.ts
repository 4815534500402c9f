import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../../vitest.shared.js';

// The global setup (in this main process) reads the memstore size when it
// starts Ceph, so it is set here, before the setup runs: the 1 GiB image, the
// abort test's layer and the rest are held in the OSD's RAM at once. 6 GiB is
// a cap, not an allocation.
process.env.S3LO_TEST_CEPH_MEMSTORE_BYTES ??= String(6 * 1024 ** 3);
// Every suite here targets Ceph RGW (conditional writes, ListMultipartUploads):
// s3rver is not started unless S3LO_TEST_S3 asks for it. A selection without
// ceph-rgw skips the suites (describe.runIf).
process.env.S3LO_TEST_S3 ||= 'ceph-rgw';

export default mergeConfig(sharedVitestConfig(import.meta.dirname, { testTimeout: 120_000 }), {
  test: { globalSetup: ['@s3lo/s3-servers/global-setup'] },
});
