import { describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '../../src/errors/index.js';
import { CONNECTION_ERRNOS, raceAbort, systemErrorCode } from '../../src/storage/connection-errors.js';

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('systemErrorCode', () => {
  it('finds the errno here, in the cause chain or in an AggregateError', () => {
    expect(systemErrorCode(errno('ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(systemErrorCode(new Error('wrapped', { cause: errno('ENOTFOUND') }))).toBe('ENOTFOUND');
    expect(systemErrorCode(new AggregateError([errno('EHOSTUNREACH'), errno('ECONNREFUSED')]))).toBe('EHOSTUNREACH');
  });

  it('skips an errors array of non-errors (a JSON API body) and numeric codes', () => {
    const apiError = Object.assign(new Error('forbidden'), { code: 403, errors: [{ reason: 'forbidden' }], cause: errno('ECONNRESET') });
    expect(systemErrorCode(apiError)).toBe('ECONNRESET');
    expect(systemErrorCode(new Error('plain'))).toBeUndefined();
    expect(systemErrorCode(undefined)).toBeUndefined();
  });

  it('knows the errnos of an unreachable endpoint', () => {
    expect(CONNECTION_ERRNOS.has('ECONNREFUSED')).toBe(true);
    expect(CONNECTION_ERRNOS.has('ENOENT')).toBe(false);
  });
});

describe('raceAbort', () => {
  it('passes the promise through without a signal or before it fires', async () => {
    await expect(raceAbort(Promise.resolve(1), undefined)).resolves.toBe(1);
    await expect(raceAbort(Promise.resolve(2), new AbortController().signal)).resolves.toBe(2);
    await expect(raceAbort(Promise.reject(new Error('boom')), new AbortController().signal)).rejects.toThrow('boom');
  });

  it('rejects with ABORTED for a fired signal, while the promise is still pending', async () => {
    const controller = new AbortController();
    const pending = raceAbort(new Promise<never>(() => undefined), controller.signal);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.ABORTED)).toBe(true);
    const already = await raceAbort(Promise.resolve(3), AbortSignal.abort()).catch((e: unknown) => e);
    expect(S3loError.isInstance(already, ErrorCode.ABORTED)).toBe(true);
  });
});
