import { randomBytes } from 'node:crypto';
import { sep } from 'node:path';
import { ErrorCode, S3loError, assertValidKey } from '@s3lo/core/storage';

/** What marks a temporary file's name, before its 16 random hex digits. */
export const TEMP_MARK = '.s3lo-tmp-';
const TEMP_NAME = /^\..*\.s3lo-tmp-[0-9a-f]{16}$/s;
const MAX_NAME_BYTES = 255;

/** True for the name of a temporary file of an unfinished write; such files are never listed. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * A fresh temporary name beside `name`: `.<name>.s3lo-tmp-<random>`, or
 * `..s3lo-tmp-<random>` when that would pass the filesystem's 255-byte limit.
 */
export function tempNameFor(name: string): string {
  const random = randomBytes(8).toString('hex');
  const full = `.${name}${TEMP_MARK}${random}`;
  return Buffer.byteLength(full, 'utf8') <= MAX_NAME_BYTES ? full : `.${TEMP_MARK}${random}`;
}

/**
 * {@link assertValidKey}, plus: no component may look like one of our
 * temporary files, which listings hide.
 */
export function assertLocalKey(key: unknown): asserts key is string {
  assertValidKey(key);
  for (const part of key.split('/')) {
    if (isTempName(part)) {
      throw new S3loError(ErrorCode.INVALID_KEY, `key ${JSON.stringify(key)} is invalid: "${part}" is reserved for the local backend's temporary files`, {
        details: { key },
      });
    }
  }
}

/** True when `candidate` is `root` or below it (both real, absolute paths). */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  return candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The directory part of a key (`a/b/` for `a/b/c`, `''` for `c`) and its last component. */
export function splitKey(key: string): { dirParts: string[]; name: string } {
  const parts = key.split('/');
  const name = parts.pop() as string;
  return { dirParts: parts, name };
}
