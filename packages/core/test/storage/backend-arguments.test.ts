import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors/index.js';
import { MAX_PRESIGN_SECONDS, assertBucketName, assertPresignLifetime, assertPutOptions, assertValidRange, listArguments, pageSizeArgument } from '../../src/storage/backend-arguments.js';
import { thrown } from '../support/thrown.js';

describe('assertBucketName', () => {
  const store = { backend: 'azure', scheme: 'az', noun: 'container' };

  it('accepts a name without "/"', () => {
    expect(() => assertBucketName('images', store)).not.toThrow();
  });

  it.each(['', 'a/b', undefined, 3])('refuses %j with a hint naming the scheme', (name) => {
    const error = thrown(() => assertBucketName(name, store));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toBe(`the azure backend needs a container name, got ${JSON.stringify(name)}`);
    expect(error.hint).toBe('use a reference like az://my-container/app:v1');
  });
});

describe('assertValidRange', () => {
  it.each([undefined, { offset: 0 }, { offset: 5, length: 0 }, { offset: 1, length: 10 }])('accepts %j', (range) => {
    expect(() => assertValidRange(range)).not.toThrow();
  });

  it.each([{ offset: -1 }, { offset: 1.5 }, { offset: 0, length: -1 }, { offset: 0, length: Number.NaN }])('refuses %j', (range) => {
    expect(thrown(() => assertValidRange(range)).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('assertPutOptions', () => {
  it('accepts no options, a size and ifNoneMatch "*"', () => {
    expect(() => assertPutOptions({})).not.toThrow();
    expect(() => assertPutOptions({ size: 0, ifNoneMatch: '*' })).not.toThrow();
  });

  it('refuses another ifNoneMatch and a negative or fractional size', () => {
    expect(thrown(() => assertPutOptions({ ifNoneMatch: 'etag' as '*' })).message).toBe('ifNoneMatch must be "*", got "etag"');
    expect(thrown(() => assertPutOptions({ size: -1 })).message).toBe('size must be a non-negative integer, got -1');
    expect(thrown(() => assertPutOptions({ size: 0.5 })).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('pageSizeArgument', () => {
  it('defaults to and caps at the maximum', () => {
    expect(pageSizeArgument(undefined, 1000)).toBe(1000);
    expect(pageSizeArgument(5000, 1000)).toBe(1000);
    expect(pageSizeArgument(7, 1000)).toBe(7);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s', (pageSize) => {
    expect(thrown(() => pageSizeArgument(pageSize, 1000)).message).toBe(`pageSize must be a positive integer, got ${String(pageSize)}`);
  });
});

describe('listArguments', () => {
  it('normalises: no prefix is "", an empty delimiter is none, the page size is capped', () => {
    expect(listArguments({ delimiter: '', pageSize: 2000 }, 1000)).toEqual({ prefix: '', delimiter: undefined, pageSize: 1000, continuationToken: undefined });
    expect(listArguments({ prefix: 'blobs/', delimiter: '/', continuationToken: 'abc' }, 1000)).toEqual({ prefix: 'blobs/', delimiter: '/', pageSize: 1000, continuationToken: 'abc' });
  });

  it('refuses a bad prefix, delimiter, page size or token', () => {
    expect(thrown(() => listArguments({ prefix: '../x' }, 1000)).code).toBe(ErrorCode.INVALID_KEY);
    expect(thrown(() => listArguments({ delimiter: 1 as unknown as string }, 1000)).message).toBe('delimiter must be a string, got 1');
    expect(thrown(() => listArguments({ pageSize: 0 }, 1000)).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(thrown(() => listArguments({ continuationToken: '' }, 1000)).message).toBe('continuationToken must be a non-empty string, got ""');
  });
});

describe('assertPresignLifetime', () => {
  it('accepts 1 second to 7 days', () => {
    expect(() => assertPresignLifetime(1)).not.toThrow();
    expect(() => assertPresignLifetime(MAX_PRESIGN_SECONDS)).not.toThrow();
  });

  it('refuses 0, fractions and more than the maximum, naming it', () => {
    expect(thrown(() => assertPresignLifetime(MAX_PRESIGN_SECONDS + 1)).message).toBe(`expiresInSeconds must be an integer from 1 to 604800 (7 days), got ${MAX_PRESIGN_SECONDS + 1}`);
    expect(thrown(() => assertPresignLifetime(0)).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(thrown(() => assertPresignLifetime(1.5)).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(thrown(() => assertPresignLifetime(61, 60)).message).toBe('expiresInSeconds must be an integer from 1 to 60, got 61');
  });
});
