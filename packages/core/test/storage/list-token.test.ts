import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors/index.js';
import { compareKeys, decodeListToken, encodeListToken, invalidListToken } from '../../src/storage/list-token.js';
import { thrown } from '../support/thrown.js';

describe('list tokens', () => {
  it('round-trip their fields for the listing they were issued for', () => {
    const token = encodeListToken({ t: 'abc/+=', a: 'blobs/x' }, 'blobs/', '/');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeListToken(token, 'blobs/', '/')).toEqual({ t: 'abc/+=', a: 'blobs/x' });
    expect(decodeListToken(encodeListToken({ c: 1 }, '', undefined), '', undefined)).toEqual({ c: 1 });
  });

  it('are refused for another prefix or delimiter', () => {
    const token = encodeListToken({ a: 'x' }, 'blobs/', '/');
    expect(thrown(() => decodeListToken(token, 'other/', '/')).message).toContain('(issued for another prefix or delimiter)');
    expect(thrown(() => decodeListToken(token, 'blobs/', undefined)).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it.each([
    ['', 'not a token'],
    ['not base64!', 'not a token'],
    [Buffer.from('[1').toString('base64url'), 'not a token'],
    [Buffer.from('null').toString('base64url'), 'not a token'],
    [Buffer.from('{"v":2,"p":"","d":null}').toString('base64url'), 'unknown version'],
  ])('refuse %j (%s)', (token, why) => {
    const error = thrown(() => decodeListToken(token, '', undefined));
    expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(error.message).toContain(`(${why})`);
    expect(error.hint).toBe('pass the nextToken of the previous page of the same listing');
  });

  it('shorten a long token in the message', () => {
    expect(invalidListToken('x'.repeat(100), 'malformed').message).toBe(`continuation token "${'x'.repeat(37)}..." was not issued by this backend for this listing (malformed)`);
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF61 is one UTF-16 unit above the surrogate of U+1F433 but below it in UTF-8.
    expect(['\u{1F433}', '\uFF61', 'a'].sort(compareKeys)).toEqual(['a', '\uFF61', '\u{1F433}']);
    expect(compareKeys('a', 'a')).toBe(0);
  });
});
