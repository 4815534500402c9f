import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../../vitest.shared.js';

// The harnesses run against local:// and Ceph RGW (the only server here that
// enforces conditional creates and lists multipart uploads); s3rver is not
// started unless S3LO_TEST_S3 asks for it. A selection without ceph-rgw runs
// the local:// trials only.
process.env.S3LO_TEST_S3 ||= 'ceph-rgw';

// Each harness is one test per target running a fixed number of seeded
// trials; its bound is set per test from the trial count (test/support/trials.ts).
// Two files at a time even on two cores: the gc race spends most of its time
// in the library's one-second waits for a GC run to end, not on the CPU.
export default mergeConfig(sharedVitestConfig(import.meta.dirname), {
  test: { globalSetup: ['@s3lo/s3-servers/global-setup'], maxWorkers: 2 },
});
