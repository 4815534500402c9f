import { describe, expect, it } from 'vitest';
import { thrown } from '../support/thrown.js';
import { assertValidKey, assertValidPrefix } from '../../src/storage/key.js';

describe('assertValidKey', () => {
  it.each([
    'blobs/sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'manifests/team/app/v1/manifest.json',
    'with space/plus+percent%/é/日本/🐳',
    '.hidden',
    '..dots-in-name..',
    'a'.repeat(1024),
  ])('accepts %s', (key) => {
    expect(() => assertValidKey(key)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['/etc/passwd', 'relative'],
    ['../x', '".." components'],
    ['a/../../x', '".." components'],
    ['a/./b', '"." components'],
    ['.', '"." components'],
    ['a//b', 'empty path components'],
    ['a/', 'empty path components'],
    ['a\\b', '"\\"'],
    ['a\u0000b', 'control characters'],
    ['a\nb', 'control characters'],
    ['\ud800', 'valid Unicode'],
    ['a'.repeat(1025), 'at most 1024 bytes'],
    ['é'.repeat(513), 'at most 1024 bytes'],
  ])('refuses %j (%s)', (key, problem) => {
    const error = thrown(() => assertValidKey(key));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toContain(problem);
  });

  it('refuses non-strings', () => {
    expect(() => assertValidKey(42)).toThrow(/must be a string/);
  });
});

describe('assertValidPrefix', () => {
  it('accepts empty and slash-terminated prefixes', () => {
    expect(() => assertValidPrefix('')).not.toThrow();
    expect(() => assertValidPrefix('manifests/')).not.toThrow();
    expect(() => assertValidPrefix('blobs/sha256/ab')).not.toThrow();
  });
  it('refuses traversal', () => {
    expect(() => assertValidPrefix('../')).toThrow(/"\.\." components/);
    expect(() => assertValidPrefix('/')).toThrow();
  });
});
