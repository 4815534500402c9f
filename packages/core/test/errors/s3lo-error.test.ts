import { describe, expect, it } from 'vitest';
import { ErrorCode, S3loError, hasErrorCode, isAbortError, throwIfAborted } from '../../src/errors/index.js';

describe('S3loError', () => {
  it('carries a code, details, hint and cause', () => {
    const cause = new Error('socket hang up');
    const error = new S3loError(ErrorCode.NOT_FOUND, 'blob missing', { cause, details: { key: 'k' }, hint: 'push again' });
    expect(error.code).toBe('NOT_FOUND');
    expect(error.details).toEqual({ key: 'k' });
    expect(error.hint).toBe('push again');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('blob missing');
    expect(error.name).toBe('S3loError');
  });

  it('is recognised by marker, with or without a code', () => {
    const error = new S3loError(ErrorCode.ALREADY_EXISTS, 'taken');
    expect(S3loError.isInstance(error)).toBe(true);
    expect(S3loError.isInstance(error, ErrorCode.ALREADY_EXISTS)).toBe(true);
    expect(S3loError.isInstance(error, ErrorCode.NOT_FOUND)).toBe(false);
    expect(hasErrorCode(error, ErrorCode.ALREADY_EXISTS)).toBe(true);
  });

  it('recognises an error from another copy of the package (same registered symbol, other class)', () => {
    // What a plugin bundling its own copy of @s3lo/core would throw.
    class ForeignCopy extends Error {
      readonly code = 'NOT_FOUND';
    }
    const foreign = Object.assign(new ForeignCopy('gone'), { [Symbol.for('@s3lo/core/error')]: true });
    expect(foreign instanceof S3loError).toBe(false);
    expect(S3loError.isInstance(foreign, ErrorCode.NOT_FOUND)).toBe(true);
  });

  it('never mistakes other errors, whatever their message says', () => {
    for (const value of [new Error('NOT_FOUND 404'), { code: 'NOT_FOUND' }, null, undefined, 'NOT_FOUND', 404]) {
      expect(S3loError.isInstance(value)).toBe(false);
    }
  });
});

describe('abort helpers', () => {
  it('throwIfAborted throws ABORTED carrying the reason, and nothing before the abort', () => {
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    expect(() => throwIfAborted(undefined)).not.toThrow();
    const reason = new Error('user pressed Ctrl-C');
    controller.abort(reason);
    let caught: unknown;
    try {
      throwIfAborted(controller.signal);
    } catch (error) {
      caught = error;
    }
    expect(S3loError.isInstance(caught, ErrorCode.ABORTED)).toBe(true);
    expect((caught as S3loError).cause).toBe(reason);
  });

  it('isAbortError knows ours, DOM AbortError and Node ABORT_ERR', () => {
    expect(isAbortError(new S3loError(ErrorCode.ABORTED, 'x'))).toBe(true);
    expect(isAbortError(new DOMException('x', 'AbortError'))).toBe(true);
    expect(isAbortError(Object.assign(new Error('x'), { code: 'ABORT_ERR' }))).toBe(true);
    expect(isAbortError(new S3loError(ErrorCode.NOT_FOUND, 'x'))).toBe(false);
    expect(isAbortError(new Error('aborted'))).toBe(false);
  });
});
