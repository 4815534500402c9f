/**
 * `@s3lo/backend-conformance`: the one test suite every storage backend runs
 * against a real store. A backend package calls
 * {@link describeBackendConformance} from a vitest test file; the suite tests
 * every capability the backend claims and checks that the others are refused
 * with UNSUPPORTED.
 * @module
 */
import { describe } from 'vitest';
import { registerBucketLifecycle } from './context.js';
import { assertTestedContract } from './contract-version.js';
import { capabilityTests } from './groups/capabilities.js';
import { deleteTests } from './groups/deletes.js';
import { faultTests } from './groups/faults.js';
import { keyTests } from './groups/keys.js';
import { listTests } from './groups/listing.js';
import { pendingUploadTests } from './groups/pending-uploads.js';
import { readTests } from './groups/reads.js';
import { roundTripTests } from './groups/round-trips.js';
import { resolveTarget, type ConformanceTarget } from './target.js';

export type { ConformanceBucket, ConformanceTarget } from './target.js';
export { TESTED_CONTRACT_VERSION, assertTestedContract } from './contract-version.js';
export { compareKeys, sortKeys, expectedListing, AWKWARD_KEYS, INVALID_KEYS, INVALID_PREFIXES } from './keys.js';
export { collectListing, assertSameKeys, type CollectedListing } from './listing.js';
export { expectS3loError, expectAnyS3loError, describeError } from './expect-error.js';
export { pendingUploadsOf } from './groups/pending-uploads.js';
export { payloadChunks, payloadReadable, payloadBytes, payloadSha256, sha256Hex, sha256OfStream, readAll } from './payload.js';

/**
 * Registers the conformance suite (vitest `describe`/`it` blocks) for one
 * backend. Every test gets a fresh bucket from `target.create()`; after each
 * test the bucket is listed and the test fails if it left objects behind.
 * Throws at once when the installed `@s3lo/core` speaks another storage
 * contract than {@link TESTED_CONTRACT_VERSION}.
 *
 * @example
 * ```ts
 * // test/conformance.test.ts of a backend package
 * import { describeBackendConformance } from '@s3lo/backend-conformance';
 * describeBackendConformance({
 *   name: 'memory',
 *   create: async () => ({ backend: new MemoryBackend() }),
 * });
 * ```
 */
export function describeBackendConformance(target: ConformanceTarget): void {
  assertTestedContract();
  const resolved = resolveTarget(target);
  describe(`storage backend conformance: ${target.name}`, () => {
    const suite = registerBucketLifecycle(resolved);
    roundTripTests(suite);
    readTests(suite);
    listTests(suite);
    deleteTests(suite);
    keyTests(suite);
    capabilityTests(suite);
    pendingUploadTests(suite);
    faultTests(suite);
  });
}
