import { ErrorCode, S3loError, abortError, bucketNotFound, isAbortError } from '@s3lo/core/storage';

/** Where an error happened, for messages and details. */
export interface ErrorContext {
  readonly op: string;
  readonly container: string;
  readonly key?: string;
  /** The blob endpoint, for "cannot connect" messages. */
  readonly endpoint?: string;
  /** A conditional create: 409/412 mean the key exists. */
  readonly conditional?: boolean;
  readonly signal?: AbortSignal | undefined;
}

const CONNECT_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Azure's error codes of a refused authentication or authorisation. */
const PERMISSION_CODES = new Set(['AuthenticationFailed', 'AuthorizationFailure', 'AuthorizationPermissionMismatch', 'InsufficientAccountPermissions', 'AccountIsDisabled']);

/** The HTTP status of an SDK error (RestError's `statusCode`), undefined when no answer came. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Azure's error code (`x-ms-error-code`): RestError's `code`, or for HEAD
 * answers (no body) `details.errorCode`.
 */
export function azureCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; details?: { errorCode?: unknown } } | null;
  if (typeof e?.details?.errorCode === 'string') return e.details.errorCode;
  return typeof e?.code === 'string' && httpStatus(error) !== undefined ? e.code : undefined;
}

function where(context: ErrorContext): string {
  return context.key === undefined ? `${context.op} in container ${JSON.stringify(context.container)}` : `${context.op} ${JSON.stringify(context.key)}`;
}

/** The NOT_FOUND error for a missing container, naming it. */
export function noSuchContainer(container: string, cause?: unknown): S3loError {
  return bucketNotFound(container, `the container ${JSON.stringify(container)} does not exist`, {
    cause,
    hint: 'check the container name (and the storage account or endpoint it lives in)',
  });
}

/** The NOT_FOUND error for a missing blob. */
export function noSuchKey(container: string, key: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `key ${JSON.stringify(key)} does not exist in container ${JSON.stringify(container)}`, {
    cause,
    details: { bucket: container, key },
  });
}

/** The ALREADY_EXISTS error of a lost conditional create. */
export function alreadyExists(container: string, key: string, cause?: unknown): S3loError {
  return new S3loError(ErrorCode.ALREADY_EXISTS, `key ${JSON.stringify(key)} already exists in container ${JSON.stringify(container)}`, {
    cause,
    details: { bucket: container, key },
  });
}

function errnoOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps anything an SDK call, a stream or our own code threw to an
 * S3loError, from the HTTP status and Azure's error code, never from
 * message text. S3loErrors pass through unchanged.
 */
export function toS3loError(error: unknown, context: ErrorContext): S3loError {
  if (S3loError.isInstance(error)) return error;
  const { signal, container, key } = context;
  if (signal?.aborted) return abortError(signal);
  if (isAbortError(error)) return new S3loError(ErrorCode.ABORTED, `${where(context)} was aborted`, { cause: error, details: { bucket: container, key } });
  const status = httpStatus(error);
  const code = azureCode(error);
  const details: Record<string, unknown> = {
    bucket: container,
    ...(key === undefined ? {} : { key }),
    ...(status === undefined ? {} : { status }),
    ...(code === undefined ? {} : { azureCode: code }),
  };
  const label = `${code ?? 'error'}${status === undefined ? '' : ` (HTTP ${status})`}`;

  if (code === 'ContainerNotFound') return noSuchContainer(container, error);
  if (status === 404) return key === undefined ? noSuchContainer(container, error) : noSuchKey(container, key, error);
  if (context.conditional && (status === 409 || status === 412)) return alreadyExists(container, key ?? '', error);
  if (status === 412) {
    return new S3loError(ErrorCode.PRECONDITION_FAILED, `${where(context)}: a precondition failed (the blob changed meanwhile?)`, { cause: error, details });
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (status === undefined && (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError')) {
    return new S3loError(ErrorCode.PERMISSION_DENIED, `${where(context)}: no Azure credentials found (${String(name)})`, {
      cause: error,
      details,
      hint: 'set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or sign in (az login, managed identity)',
    });
  }
  if (status === 403 || (code !== undefined && PERMISSION_CODES.has(code))) {
    return new S3loError(ErrorCode.PERMISSION_DENIED, `${where(context)}: access denied by the store (${label})`, {
      cause: error,
      details,
      hint: 'check the account key, SAS (its permissions and expiry) or the role assignments of the identity on this container',
    });
  }
  if (status === undefined) {
    const errno = errnoOf(error);
    if (errno !== undefined && CONNECT_ERRNOS.has(errno)) {
      return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)}: cannot connect to ${context.endpoint ?? 'Azure Blob Storage'} (${errno})`, {
        cause: error,
        details: { ...details, errno },
        hint: 'check that the endpoint or account name is right and the store is running',
      });
    }
  }
  const message = error instanceof Error && error.message !== '' ? `: ${error.message.split('\n')[0]}` : '';
  return new S3loError(ErrorCode.BACKEND_ERROR, `${where(context)} failed: ${label}${message}`, { cause: error, details });
}
