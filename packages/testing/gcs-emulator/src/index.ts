/**
 * A GCS JSON API server for s3lo's tests (private package): firebase-tools'
 * storage emulator started on 127.0.0.1 without its Java rules runtime.
 * @module
 */
export { FIREBASE_CAPABILITIES, FIREBASE_GAPS, startFirebaseStorageEmulator } from './firebase-emulator.js';
export type { GcsServerCapabilities, GcsServerGaps, GcsServerInfo, GcsTestServer } from './types.js';
