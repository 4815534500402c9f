export { ErrorCode } from './error-codes.js';
export { S3loError, hasErrorCode, type S3loErrorOptions } from './s3lo-error.js';
export { throwIfAborted, abortError, isAbortError } from './abort.js';
