import { describe, expect, it } from 'vitest';
import { NoSuchBucket, NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError } from '@s3lo/core/storage';
import { deleteFailure, toS3loError, type ErrorContext } from '../src/errors.js';

const onKey: ErrorContext = { op: 'get', bucket: 'b', key: 'blobs/sha256/4040404040', endpoint: 'http://127.0.0.1:9' };
const onBucket: ErrorContext = { op: 'list', bucket: 'b' };

function serviceError(name: string, status: number | undefined, message = 'UnknownError'): S3ServiceException {
  return new S3ServiceException({ name, $fault: status !== undefined && status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

describe('error mapping (status and type, never text)', () => {
  it('404s are NOT_FOUND: NoSuchKey names the key, NoSuchBucket and bucket-level 404s name the bucket', () => {
    const key = toS3loError(new NoSuchKey({ message: 'x', $metadata: { httpStatusCode: 404 } }), onKey);
    expect([key.code, key.details['key']]).toEqual([ErrorCode.NOT_FOUND, onKey.key]);
    const head = toS3loError(new NotFound({ message: 'UnknownError', $metadata: { httpStatusCode: 404 } }), onKey);
    expect(head.code).toBe(ErrorCode.NOT_FOUND);
    const bucket = toS3loError(new NoSuchBucket({ message: 'x', $metadata: { httpStatusCode: 404 } }), onKey);
    expect(bucket.code).toBe(ErrorCode.NOT_FOUND);
    expect(bucket.message).toContain('"b"');
    expect(bucket.details['missing']).toBe('bucket');
    expect(toS3loError(serviceError('UnknownError', 404), onBucket).details['missing']).toBe('bucket');
  });

  it('a message saying 404 or NoSuchKey decides nothing', () => {
    for (const status of [403, 500, 503]) {
      const error = toS3loError(serviceError('Weird', status, 'NoSuchKey 404 Not Found'), onKey);
      expect(error.code, `status ${status}`).not.toBe(ErrorCode.NOT_FOUND);
    }
    expect(toS3loError(new Error('404 NoSuchKey'), onKey).code).toBe(ErrorCode.BACKEND_ERROR);
  });

  it('403 and credential errors are PERMISSION_DENIED with a hint', () => {
    for (const [name, status] of [
      ['AccessDenied', 403],
      ['Forbidden', 403],
      ['InvalidAccessKeyId', 403],
      ['SignatureDoesNotMatch', 403],
      ['ExpiredToken', 400],
      ['CredentialsProviderError', undefined],
    ] as const) {
      const error = toS3loError(serviceError(name, status), onKey);
      expect(error.code, name).toBe(ErrorCode.PERMISSION_DENIED);
      expect(error.hint, name).toBeTypeOf('string');
    }
  });

  it('no credentials at all says so: the store was never asked', () => {
    const error = toS3loError(serviceError('CredentialsProviderError', undefined), onKey);
    expect(error.code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(error.message).toMatch(/: no AWS credentials found \(CredentialsProviderError\)$/);
    expect(error.message).not.toMatch(/access denied/);
    expect(error.hint).toMatch(/AWS_ACCESS_KEY_ID/);
  });

  it('412 is ALREADY_EXISTS for a conditional create and PRECONDITION_FAILED otherwise; 409 ConditionalRequestConflict too', () => {
    expect(toS3loError(serviceError('PreconditionFailed', 412), { ...onKey, op: 'put', conditional: true }).code).toBe(ErrorCode.ALREADY_EXISTS);
    expect(toS3loError(serviceError('ConditionalRequestConflict', 409), { ...onKey, op: 'put', conditional: true }).code).toBe(ErrorCode.ALREADY_EXISTS);
    expect(toS3loError(serviceError('PreconditionFailed', 412), onKey).code).toBe(ErrorCode.PRECONDITION_FAILED);
    expect(toS3loError(serviceError('OperationAborted', 409), { ...onKey, conditional: true }).code).toBe(ErrorCode.BACKEND_ERROR);
  });

  it('aborts are ABORTED: a fired signal wins over whatever the SDK threw', () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(toS3loError(serviceError('InternalError', 500), { ...onKey, signal: controller.signal }).code).toBe(ErrorCode.ABORTED);
    expect(toS3loError(Object.assign(new Error('Request aborted'), { name: 'AbortError' }), onKey).code).toBe(ErrorCode.ABORTED);
  });

  it("an S3loError passes unchanged (a body's DIGEST_MISMATCH stays one)", () => {
    const digest = new S3loError(ErrorCode.DIGEST_MISMATCH, 'bad digest');
    expect(toS3loError(digest, onKey)).toBe(digest);
  });

  it('connection failures say the endpoint cannot be reached', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EHOSTUNREACH']) {
      const error = toS3loError(systemError(code), onKey);
      expect(error.code, code).toBe(ErrorCode.BACKEND_ERROR);
      expect(error.message, code).toContain('cannot connect to http://127.0.0.1:9');
      expect(error.details['errno'], code).toBe(code);
    }
    const nested = toS3loError(Object.assign(new AggregateError([systemError('ECONNREFUSED')], 'x'), { code: undefined }), onKey);
    expect(nested.message).toContain('cannot connect');
    expect(toS3loError(systemError('ECONNREFUSED'), { ...onKey, endpoint: undefined }).message).toContain('AWS S3');
  });

  it('throttling and server errors that outlived the retries are BACKEND_ERROR with the S3 code and status', () => {
    for (const [name, status] of [
      ['SlowDown', 503],
      ['TooManyRequestsException', 429],
      ['InternalError', 500],
    ] as const) {
      const error = toS3loError(serviceError(name, status), onKey);
      expect(error.code, name).toBe(ErrorCode.BACKEND_ERROR);
      expect(error.details['s3Code'], name).toBe(name);
      expect(error.details['status'], name).toBe(status);
      expect(error.cause, name).toBeDefined();
    }
  });

  it('a wrong region is BACKEND_ERROR with a hint; a key the store finds too long is INVALID_KEY', () => {
    const moved = toS3loError(serviceError('PermanentRedirect', 301), onKey);
    expect(moved.code).toBe(ErrorCode.BACKEND_ERROR);
    expect(moved.hint).toContain('region');
    expect(toS3loError(serviceError('KeyTooLongError', 400), onKey).code).toBe(ErrorCode.INVALID_KEY);
  });

  it('DeleteObjects per-key Errors map by their Code', () => {
    expect(deleteFailure('b', 'k', 'AccessDenied', 'Access Denied').code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(deleteFailure('b', 'k', 'InternalError', 'oops').code).toBe(ErrorCode.BACKEND_ERROR);
    expect(deleteFailure('b', 'k', undefined, undefined).code).toBe(ErrorCode.BACKEND_ERROR);
    expect(deleteFailure('b', 'k', 'AccessDenied', undefined).details['key']).toBe('k');
  });
});
