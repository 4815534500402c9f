import { abortError } from '../errors/abort.js';

/**
 * Node errnos that mean "could not reach the endpoint at all": refused,
 * unresolved, unreachable, timed out, reset, or a TLS certificate refused.
 */
export const CONNECTION_ERRNOS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The Node system error code (`ECONNREFUSED`) of `error`, of its cause
 * chain, or of the first error of an AggregateError (happy-eyeballs
 * connects fail with one per address); undefined when there is none.
 *
 * @example
 * ```ts
 * const errno = systemErrorCode(error);
 * if (errno !== undefined && CONNECTION_ERRNOS.has(errno)) { ... } // cannot connect
 * ```
 */
export function systemErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
    // An AggregateError's errors; other `errors` arrays (a JSON API's) are not errors.
    if (Array.isArray(errors) && errors.length > 0 && errors[0] instanceof Error) {
      current = errors[0];
      continue;
    }
    current = cause;
  }
  return undefined;
}

/**
 * `promise`, or an ABORTED rejection as soon as `signal` fires: for SDK
 * calls that take no signal. The call still runs to its end, but nothing
 * waits for it.
 *
 * @example
 * ```ts
 * const [metadata] = await raceAbort(file.getMetadata(), signal);
 * ```
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
