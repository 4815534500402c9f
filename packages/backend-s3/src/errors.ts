import { CONNECTION_ERRNOS, ErrorCode, S3loError, abortError, isAbortError, systemErrorCode } from '@s3lo/core/storage';

/**
 * The one place SDK and network errors become S3loErrors. Every decision is
 * made from the HTTP status, the error's type name (the S3 error code) or a
 * Node errno: never from message text (a key or digest may contain "404").
 */

/** What was being done, for messages and for status codes whose meaning depends on it. */
export interface ErrorContext {
  /** The operation, e.g. `get`, `put`, `list`. */
  readonly op: string;
  readonly bucket: string;
  readonly key?: string | undefined;
  /** The endpoint, for connection errors (`AWS S3` when none). */
  readonly endpoint?: string | undefined;
  /** A conditional create: 412 (and 409 ConditionalRequestConflict) mean ALREADY_EXISTS. */
  readonly conditional?: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** The fields of an SDK (smithy) service error we read. */
interface ServiceErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $response?: { readonly statusCode?: unknown };
  readonly cause?: unknown;
}

const PERMISSION_CODES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AccountProblem',
  'InvalidSecurity',
  'CredentialsProviderError',
]);

/** The HTTP status of an SDK error, when it got an answer. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { $metadata, $response } = error as ServiceErrorShape;
  const status = $metadata?.httpStatusCode ?? $response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code (`NoSuchKey`, `SlowDown`, ...) of an SDK error: its type name. */
export function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as ServiceErrorShape;
  if (typeof Code === 'string') return Code;
  return typeof name === 'string' ? name : undefined;
}

/** True when the error says the object (or bucket) is not there: status 404 or a NoSuch* / NotFound type. */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return httpStatus(error) === 404 || name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket';
}

function where(context: ErrorContext): string {
  return context.key === undefined ? `${context.op} in bucket ${JSON.stringify(context.bucket)}` : `${context.op} ${JSON.stringify(context.key)}`;
}

/** The NOT_FOUND error for a missing bucket, naming it. */
export function noSuchBucket(bucket: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `the bucket ${JSON.stringify(bucket)} does not exist`, {
    cause,
    details: { bucket, missing: 'bucket' },
    hint: 'check the bucket name (and the endpoint or region it lives in)',
  });
}

/** The ALREADY_EXISTS error of a lost conditional create. */
export function alreadyExists(bucket: string, key: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.ALREADY_EXISTS, `key ${JSON.stringify(key)} already exists in bucket ${JSON.stringify(bucket)}`, {
    cause,
    details: { bucket, key },
  });
}

/** The NOT_FOUND error for a missing key. */
export function noSuchKey(bucket: string, key: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `key ${JSON.stringify(key)} does not exist in bucket ${JSON.stringify(bucket)}`, {
    cause,
    details: { bucket, key },
  });
}

/**
 * Maps anything an SDK call, a stream or our own code threw to an S3loError.
 * S3loErrors pass through unchanged (a body's DIGEST_MISMATCH stays one).
 */
export function toS3loError(error: unknown, context: ErrorContext): S3loError {
  if (S3loError.isInstance(error)) return error;
  const { signal, bucket, key } = context;
  if (signal?.aborted) return abortError(signal);
  if (isAbortError(error)) {
    return new S3loError(ErrorCode.ABORTED, `${where(context)} was aborted`, { cause: error, details: { bucket, key } });
  }
  const status = httpStatus(error);
  const name = errorName(error);
  const details: Record<string, unknown> = { bucket, ...(key === undefined ? {} : { key }), ...(status === undefined ? {} : { status }), ...(name === undefined ? {} : { s3Code: name }) };
  const label = `${name ?? 'error'}${status === undefined ? '' : ` (HTTP ${status})`}`;

  if (name === 'NoSuchBucket') return noSuchBucket(bucket, error);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return key === undefined ? noSuchBucket(bucket, error) : noSuchKey(bucket, key, error);
  }
  if (context.conditional && (status === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict')) {
    return alreadyExists(bucket, key ?? '', error);
  }
  if (status === 412 || name === 'PreconditionFailed') {
    return new S3loError(ErrorCode.PRECONDITION_FAILED, `${where(context)}: a precondition failed (the object changed meanwhile?)`, { cause: error, details });
  }
  if (name === 'CredentialsProviderError' && status === undefined) {
    // Nothing reached the store: the default chain found no credentials.
    return new S3loError(ErrorCode.PERMISSION_DENIED, `${where(context)}: no AWS credentials found (${label})`, {
      cause: error,
      details,
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pick a profile with AWS_PROFILE (aws sso login for SSO), or run where a role is available',
    });
  }
  if (status === 403 || (name !== undefined && PERMISSION_CODES.has(name))) {
    return new S3loError(ErrorCode.PERMISSION_DENIED, `${where(context)}: access denied by the store (${label})`, {
      cause: error,
      details,
      hint: 'check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO login) and that they may access this bucket',
    });
  }
  if (name === 'KeyTooLongError') {
    return new S3loError(ErrorCode.INVALID_KEY, `${where(context)}: the store refused the key as too long`, { cause: error, details });
  }
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException') {
    return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)}: the bucket is in another region than the one used (${label})`, {
      cause: error,
      details,
      hint: "pass the bucket's region (--region or AWS_REGION), or leave the region unset so it is discovered",
    });
  }
  if (status === undefined) {
    const errno = systemErrorCode(error);
    if (errno !== undefined && CONNECTION_ERRNOS.has(errno)) {
      const target = context.endpoint ?? 'AWS S3';
      return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)}: cannot connect to ${target} (${errno})`, {
        cause: error,
        details: { ...details, errno },
        hint: context.endpoint === undefined ? 'check the network connection' : 'check that the endpoint is right and the store is running',
      });
    }
    if (name === 'TimeoutError' || errno === 'ETIMEDOUT') {
      return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)}: the store did not answer in time`, { cause: error, details });
    }
  }
  const message = error instanceof Error && error.message !== '' && error.message !== 'UnknownError' ? `: ${error.message}` : '';
  return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)} failed: ${label}${message}`, { cause: error, details });
}

/**
 * The S3loError for one entry of DeleteObjects' `Errors` (the per-key
 * failures of a batch delete, which come with a code but no HTTP status).
 */
export function deleteFailure(bucket: string, key: string, code: string | undefined, message: string | undefined): S3loError {
  const details = { bucket, key, s3Code: code };
  const text = `delete ${JSON.stringify(key)} failed: ${code ?? 'unknown error'}${message ? ` (${message})` : ''}`;
  if (code !== undefined && PERMISSION_CODES.has(code)) {
    return new S3loError(ErrorCode.PERMISSION_DENIED, text, { details, hint: 'the credentials may not delete this key (bucket policy, object lock?)' });
  }
  if (code === 'NoSuchBucket') return noSuchBucket(bucket);
  return new S3loError(ErrorCode.BACKEND_ERROR, text, { details });
}
