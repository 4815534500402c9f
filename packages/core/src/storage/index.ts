/**
 * The storage plugin contract: what a backend implements, the plugin object
 * that registers it, and the helpers every backend and caller shares.
 * @module
 */
export * from './backend.js';
export type { BackendOptions, BackendPlugin } from './plugin.js';
export { assertValidKey, assertValidPrefix, MAX_KEY_BYTES } from './key.js';
export {
  assertBucketName,
  assertPresignLifetime,
  assertPutOptions,
  assertValidRange,
  listArguments,
  MAX_PRESIGN_SECONDS,
  pageSizeArgument,
  type BucketNameOptions,
  type ListArguments,
} from './backend-arguments.js';
export { compareKeys, decodeListCursor, decodeListToken, encodeListCursor, encodeListToken, invalidListToken, type ListCursor, type ListTokenFields } from './list-token.js';
export { CONNECTION_ERRNOS, raceAbort, systemErrorCode } from './connection-errors.js';
export { listAll, listCommonPrefixes, listDirectObjects } from './list-all.js';
export { listAllPendingUploads, supportsPendingUploads } from './pending-uploads.js';
export { mapConcurrent } from './map-concurrent.js';
export { deleteResult } from './delete-result.js';
export { bucketNotFound, isBucketNotFound } from './missing-bucket.js';
export { createDirectories, errnoCode, fsError, fsProblem, type FsProblem } from './node-fs.js';
export { bodyToStream, createByteCounter, readAllCapped, type ByteCounterOptions } from './body.js';
export { openUploadBody, readPutBody, type PutBodyContext, type UploadBody, type UploadBodyOptions } from './upload-body.js';
export * from '../plugins/index.js';
export * from '../errors/index.js';
export { MAX_TIMER_MS, checkTimerMs } from '../time/timer-limit.js';
