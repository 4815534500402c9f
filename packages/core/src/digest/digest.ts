import { createHash } from 'node:crypto';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';

/** A content digest, `<algorithm>:<hex>`. s3lo stores and verifies sha256 only. */
export type Digest = `${string}:${string}`;

/**
 * The OCI digest grammar used in references (`name@sha256:...`): any
 * registered-looking algorithm with 32 to 128 hex characters.
 */
export const REFERENCE_DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,128}$/;

/** The only digest form that may become a storage key: `sha256:` + 64 lowercase hex. */
export const SHA256_DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** True when `value` is a sha256 digest s3lo can store and verify. */
export function isSha256Digest(value: unknown): value is Digest {
  return typeof value === 'string' && SHA256_DIGEST_PATTERN.test(value);
}

/**
 * Returns `value` when it is a well-formed sha256 digest, else throws
 * INVALID_DIGEST saying what is wrong. Call it on every digest read from
 * untrusted input before the digest is used in a key or a path.
 *
 * @example
 * ```ts
 * const digest = parseDigest(descriptor.digest); // 'sha256:9f86d0...'
 * ```
 */
export function parseDigest(value: unknown, what = 'digest'): Digest {
  if (typeof value !== 'string') {
    throw new S3loError(ErrorCode.INVALID_DIGEST, `${what} must be a string, got ${typeof value}`);
  }
  if (SHA256_DIGEST_PATTERN.test(value)) return value as Digest;
  throw new S3loError(ErrorCode.INVALID_DIGEST, `${what} ${JSON.stringify(truncate(value))} is invalid: ${digestProblem(value)}`, {
    details: { digest: truncate(value) },
  });
}

function digestProblem(value: string): string {
  const colon = value.indexOf(':');
  if (colon < 0) return 'expected "sha256:" followed by 64 hex characters';
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (algorithm !== 'sha256') return `unsupported algorithm "${truncate(algorithm)}" (only sha256 is supported)`;
  if (hex.length !== 64) return `a sha256 digest has 64 hex characters, this one has ${hex.length}`;
  if (/[A-F]/.test(hex) && !/[^a-fA-F0-9]/.test(hex)) return 'hex characters must be lowercase';
  return 'the part after "sha256:" must be lowercase hex (0-9, a-f)';
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** The hex part of a sha256 digest (what follows `sha256:`). */
export function digestHex(digest: Digest): string {
  return parseDigest(digest).slice('sha256:'.length);
}

/**
 * The sha256 digest of bytes held in memory. For streams use
 * {@link createDigestVerifier} or {@link createDigester}.
 */
export function sha256Digest(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
