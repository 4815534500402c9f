/**
 * `@s3lo/core`: everything s3lo needs that does not depend on a particular
 * store. Subpaths group it the way the Go library does:
 * `@s3lo/core/ref`, `@s3lo/core/oci`, `@s3lo/core/storage`, `@s3lo/core/image`.
 * @module
 */
export * from './errors/index.js';
export * from './digest/index.js';
export * from './plugins/index.js';
export { MAX_TIMER_MS, checkTimerMs } from './time/timer-limit.js';
export * as ref from './ref/index.js';
export * as oci from './oci/index.js';
export * as storage from './storage/index.js';
export * as image from './image/index.js';
