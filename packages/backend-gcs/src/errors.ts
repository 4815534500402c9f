import { CONNECTION_ERRNOS, ErrorCode, S3loError, abortError, bucketNotFound, isAbortError, systemErrorCode } from '@s3lo/core/storage';

/**
 * The one place SDK and network errors become S3loErrors. Every decision is
 * made from the HTTP status (an `ApiError`'s numeric `code`, a Gaxios
 * error's `status`), the JSON API's error `reason` or a Node errno: never
 * from message text (a key or digest may contain "404").
 */

/** What was being done, for messages and for statuses whose meaning depends on it. */
export interface ErrorContext {
  /** The operation, e.g. `get`, `put`, `list`. */
  readonly op: string;
  readonly bucket: string;
  readonly key?: string | undefined;
  /** The custom endpoint, for connection errors (Google Cloud Storage when none). */
  readonly endpoint?: string | undefined;
  /** A conditional create: 412 means ALREADY_EXISTS. */
  readonly conditional?: boolean;
  readonly signal?: AbortSignal | undefined;
}

interface ErrorShape {
  readonly code?: unknown;
  readonly status?: unknown;
  readonly response?: { readonly status?: unknown; readonly statusCode?: unknown };
  readonly errors?: unknown;
  readonly cause?: unknown;
}

/** The HTTP status of an SDK error, when it got an answer. */
export function httpStatus(error: unknown): number | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth++) {
    const { code, status, response, cause } = current as ErrorShape;
    if (typeof code === 'number' && code >= 100 && code < 600) return code;
    if (typeof status === 'number' && status >= 100 && status < 600) return status;
    const fromResponse = response?.status ?? response?.statusCode;
    if (typeof fromResponse === 'number') return fromResponse;
    current = cause;
  }
  return undefined;
}

/** The JSON API's first error reason (`notFound`, `conditionNotMet`, `forbidden`, ...). */
export function errorReason(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { errors } = error as ErrorShape;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const reason = (errors[0] as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : undefined;
}

function where(context: ErrorContext): string {
  return context.key === undefined ? `${context.op} in bucket ${JSON.stringify(context.bucket)}` : `${context.op} ${JSON.stringify(context.key)}`;
}

/** The NOT_FOUND error for a missing bucket, naming it. */
export function noSuchBucket(bucket: string, cause?: unknown): S3loError {
  return bucketNotFound(bucket, `the bucket ${JSON.stringify(bucket)} does not exist`, {
    cause,
    hint: 'check the bucket name (gs://BUCKET/...) and the project it lives in',
  });
}

/** The NOT_FOUND error for a missing key. */
export function noSuchKey(bucket: string, key: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `key ${JSON.stringify(key)} does not exist in bucket ${JSON.stringify(bucket)}`, {
    cause,
    details: { bucket, key },
  });
}

/** The ALREADY_EXISTS error of a lost conditional create. */
export function alreadyExists(bucket: string, key: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.ALREADY_EXISTS, `key ${JSON.stringify(key)} already exists in bucket ${JSON.stringify(bucket)}`, {
    cause,
    details: { bucket, key },
  });
}

/**
 * Maps anything an SDK call, a stream or our own code threw to an S3loError.
 * S3loErrors pass through unchanged (a body's DIGEST_MISMATCH stays one). A
 * 404 is a missing key when the call named one, else a missing bucket; the
 * backend tells a missing bucket from a missing key by asking (see
 * GcsBackend), as a 404's body says which only in its text.
 */
export function toS3loError(error: unknown, context: ErrorContext): S3loError {
  if (S3loError.isInstance(error)) return error;
  const { signal, bucket, key } = context;
  if (signal?.aborted) return abortError(signal);
  if (isAbortError(error)) {
    return new S3loError(ErrorCode.ABORTED, `${where(context)} was aborted`, { cause: error, details: { bucket, key } });
  }
  const status = httpStatus(error);
  const reason = errorReason(error);
  const details: Record<string, unknown> = { bucket, ...(key === undefined ? {} : { key }), ...(status === undefined ? {} : { status }), ...(reason === undefined ? {} : { reason }) };
  const label = `${reason ?? 'error'}${status === undefined ? '' : ` (HTTP ${status})`}`;

  if (status === 404) return key === undefined ? noSuchBucket(bucket, error) : noSuchKey(bucket, key, error);
  if (status === 412 && context.conditional) return alreadyExists(bucket, key ?? '', error);
  if (status === 412) {
    return new S3loError(ErrorCode.PRECONDITION_FAILED, `${where(context)}: a precondition failed (the object changed meanwhile?)`, { cause: error, details });
  }
  if (status === 401 || status === 403) {
    return new S3loError(ErrorCode.PERMISSION_DENIED, `${where(context)}: access denied by the store (${label})`, {
      cause: error,
      details,
      hint: 'check the credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login) and that they may access this bucket',
    });
  }
  if (status === undefined) {
    const errno = systemErrorCode(error);
    if (errno !== undefined && CONNECTION_ERRNOS.has(errno)) {
      const target = context.endpoint ?? 'Google Cloud Storage';
      return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)}: cannot connect to ${target} (${errno})`, {
        cause: error,
        details: { ...details, errno },
        hint: context.endpoint === undefined ? 'check the network connection' : 'check that the endpoint is right and the store is running',
      });
    }
  }
  const message = error instanceof Error && error.message !== '' ? `: ${error.message.split('\n')[0]}` : '';
  return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)} failed: ${label}${message}`, { cause: error, details });
}
