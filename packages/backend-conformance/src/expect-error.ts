import { Readable } from 'node:stream';
import { S3loError, type ErrorCode } from '@s3lo/core/storage';

/** One line describing any thrown value, for failure messages. */
export function describeError(error: unknown): string {
  if (S3loError.isInstance(error)) return `S3loError ${error.code}: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code === undefined ? '' : ` (${String(code)})`}: ${error.message}`;
  }
  return `non-error value ${String(error)}`;
}

async function settle(action: Promise<unknown> | (() => Promise<unknown>)): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  try {
    const value = await (typeof action === 'function' ? action() : action);
    // A get that wrongly succeeds hands back an open stream: do not leak it.
    if (value instanceof Readable) value.destroy();
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
}

function succeededWith(value: unknown): string {
  return value instanceof Readable ? ' (it resolved to a stream)' : '';
}

/**
 * Awaits `action` and returns the S3loError it rejected with, failing with a
 * message naming `what` when it succeeded or failed differently.
 */
export async function expectS3loError(action: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode | readonly ErrorCode[], what: string): Promise<S3loError> {
  const codes: readonly ErrorCode[] = typeof code === 'string' ? [code] : code;
  const expected = codes.join(' or ');
  const outcome = await settle(action);
  if (outcome.ok) throw new Error(`${what}: expected an S3loError ${expected}, but the call succeeded${succeededWith(outcome.value)}`);
  const { error } = outcome;
  if (S3loError.isInstance(error) && codes.includes(error.code)) return error;
  throw new Error(`${what}: expected an S3loError ${expected}, got ${describeError(error)}`, { cause: error });
}

/** Like {@link expectS3loError} for any code: the call must reject with an S3loError. */
export async function expectAnyS3loError(action: Promise<unknown> | (() => Promise<unknown>), what: string): Promise<S3loError> {
  const outcome = await settle(action);
  if (outcome.ok) throw new Error(`${what}: expected the call to fail with an S3loError, but it succeeded${succeededWith(outcome.value)}`);
  if (S3loError.isInstance(outcome.error)) return outcome.error;
  throw new Error(`${what}: expected an S3loError, got ${describeError(outcome.error)}`, { cause: outcome.error });
}
