import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@s3lo/core/storage';
import { toS3loError, type ErrorContext } from '../src/errors.js';

const onKey: ErrorContext = { op: 'get', bucket: 'b', key: 'blobs/sha256/4040404040', endpoint: 'http://127.0.0.1:9' };
const onBucket: ErrorContext = { op: 'list', bucket: 'b' };

/** The shape of the SDK's ApiError: the HTTP status in `code`, the JSON API's reasons in `errors`. */
function apiError(status: number, reason?: string, message = 'Error'): Error {
  return Object.assign(new Error(message), { code: status, errors: reason === undefined ? [] : [{ reason, message }] });
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

describe('error mapping (status, never text)', () => {
  it('404 is NOT_FOUND: the key when the call named one, else the bucket', () => {
    const key = toS3loError(apiError(404, 'notFound'), onKey);
    expect([key.code, key.details['key'], key.details['missing']]).toEqual([ErrorCode.NOT_FOUND, onKey.key, undefined]);
    const bucket = toS3loError(apiError(404, 'notFound'), onBucket);
    expect([bucket.code, bucket.details['missing']]).toEqual([ErrorCode.NOT_FOUND, 'bucket']);
    expect(bucket.hint).toMatch(/bucket name/);
  });

  it('a message saying 404 or "No such object" decides nothing', () => {
    for (const status of [403, 500, 503]) {
      const error = toS3loError(apiError(status, 'backendError', 'No such object: b/x (404 Not Found)'), onKey);
      expect(error.code, `status ${status}`).not.toBe(ErrorCode.NOT_FOUND);
    }
    expect(toS3loError(new Error('404 No such object'), onKey).code).toBe(ErrorCode.BACKEND_ERROR);
  });

  it('401 and 403 are PERMISSION_DENIED with a hint naming Application Default Credentials', () => {
    for (const status of [401, 403]) {
      const error = toS3loError(apiError(status, 'forbidden'), onKey);
      expect(error.code, String(status)).toBe(ErrorCode.PERMISSION_DENIED);
      expect(error.hint).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    }
  });

  it('412 is ALREADY_EXISTS for a conditional create, PRECONDITION_FAILED otherwise', () => {
    expect(toS3loError(apiError(412, 'conditionNotMet'), { ...onKey, op: 'put', conditional: true }).code).toBe(ErrorCode.ALREADY_EXISTS);
    expect(toS3loError(apiError(412, 'conditionNotMet'), onKey).code).toBe(ErrorCode.PRECONDITION_FAILED);
  });

  it('a Gaxios-style error carries its status in response.status', () => {
    const error = Object.assign(new Error('x'), { response: { status: 404 } });
    expect(toS3loError(error, onKey).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('an unreachable endpoint is BACKEND_ERROR naming it, with a hint; the errno is found in the cause chain', () => {
    const direct = toS3loError(systemError('ECONNREFUSED'), onKey);
    expect(direct.code).toBe(ErrorCode.BACKEND_ERROR);
    expect(direct.message).toContain('cannot connect to http://127.0.0.1:9 (ECONNREFUSED)');
    expect(direct.hint).toMatch(/store is running/);
    const wrapped = toS3loError(Object.assign(new Error('request failed'), { cause: systemError('ENOTFOUND') }), { ...onKey, endpoint: undefined });
    expect(wrapped.message).toContain('cannot connect to Google Cloud Storage (ENOTFOUND)');
    expect(wrapped.hint).toMatch(/network/);
  });

  it('an abort is ABORTED', () => {
    const controller = new AbortController();
    controller.abort();
    expect(toS3loError(new Error('whatever'), { ...onKey, signal: controller.signal }).code).toBe(ErrorCode.ABORTED);
    expect(toS3loError(Object.assign(new Error('x'), { name: 'AbortError' }), onKey).code).toBe(ErrorCode.ABORTED);
  });
});
