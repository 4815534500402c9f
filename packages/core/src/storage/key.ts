import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';

/** S3's limit on a key's UTF-8 length; the strictest of the stores we serve. */
export const MAX_KEY_BYTES = 1024;

/**
 * Throws INVALID_KEY unless `key` is safe on every backend: a non-empty
 * relative `/`-separated path whose components are neither empty, `.` nor
 * `..`, without backslashes or control characters, at most 1024 UTF-8 bytes.
 * Backends call it on every key they are given, so no key can name something
 * outside the bucket whatever store it lands on.
 *
 * @example
 * ```ts
 * assertValidKey('blobs/sha256/9f86d0...'); // ok
 * assertValidKey('../etc/passwd');          // throws INVALID_KEY
 * ```
 */
export function assertValidKey(key: unknown): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    const shown = typeof key === 'string' ? JSON.stringify(key.length > 120 ? `${key.slice(0, 117)}...` : key) : String(key);
    throw new S3loError(ErrorCode.INVALID_KEY, `storage key ${shown} is invalid: ${problem}`, { details: { key } });
  }
}

function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return 'a key must be a string';
  if (key.length === 0) return 'a key must not be empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `a key must be at most ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'a key must be relative (no leading "/")';
  if (key.includes('\\')) return 'a key must not contain "\\"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'a key must not contain control characters';
  if (!key.isWellFormed()) return 'a key must be valid Unicode';
  for (const part of key.split('/')) {
    if (part === '') return 'a key must not contain empty path components ("//" or a trailing "/")';
    if (part === '.' || part === '..') return `a key must not contain "${part}" components`;
  }
  return undefined;
}

/** Like {@link assertValidKey} for a listing prefix, which may be empty and may end in `/`. */
export function assertValidPrefix(prefix: unknown): asserts prefix is string {
  if (prefix === '') return;
  if (typeof prefix === 'string' && prefix.endsWith('/')) {
    assertValidKey(prefix.slice(0, -1));
    return;
  }
  assertValidKey(prefix);
}
