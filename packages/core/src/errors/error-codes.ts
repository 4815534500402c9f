/**
 * Stable error codes. Programs branch on these, never on message text, so a
 * code is never renamed or reused for a different meaning.
 */
export const ErrorCode = {
  /** The object, tag or image does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** A create-if-absent write found the key already present. */
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  /** A conditional write's precondition did not hold (other than "exists"). */
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  /** The backend or operation does not support what was asked. */
  UNSUPPORTED: 'UNSUPPORTED',
  /** Bytes did not hash to the digest they were announced with. */
  DIGEST_MISMATCH: 'DIGEST_MISMATCH',
  /** A stream was longer or shorter than the size it was announced with. */
  SIZE_MISMATCH: 'SIZE_MISMATCH',
  /** A digest string is malformed or uses an unsupported algorithm. */
  INVALID_DIGEST: 'INVALID_DIGEST',
  /** A reference (bucket, registry or transport) could not be parsed. */
  INVALID_REFERENCE: 'INVALID_REFERENCE',
  /** A manifest, index or config is not valid JSON of the expected shape. */
  INVALID_MANIFEST: 'INVALID_MANIFEST',
  /** A platform string is malformed. */
  INVALID_PLATFORM: 'INVALID_PLATFORM',
  /** No manifest of an index matches the requested platform. */
  PLATFORM_NOT_FOUND: 'PLATFORM_NOT_FOUND',
  /** A storage key is unsafe (absolute, `..`, escapes the bucket root). */
  INVALID_KEY: 'INVALID_KEY',
  /** An argument or option is invalid. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The bucket's configuration (`s3lo.yaml`) cannot be read or is not valid; what it governs is refused (fail closed). */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** A document is larger than the limit set for its kind. */
  TOO_LARGE: 'TOO_LARGE',
  /** No plugin is registered for a reference's scheme. */
  UNKNOWN_SCHEME: 'UNKNOWN_SCHEME',
  /** A plugin was built for a contract version this core does not speak. */
  PLUGIN_INCOMPATIBLE: 'PLUGIN_INCOMPATIBLE',
  /** Credentials were refused or missing. */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /**
   * A push's lease lapsed before its tag was written (its renewals failed
   * for longer than its lifetime): a garbage collection may have deleted
   * its blobs meanwhile, so it wrote no tag. Running the push again is safe.
   */
  LEASE_EXPIRED: 'LEASE_EXPIRED',
  /** The operation was cancelled through its AbortSignal. */
  ABORTED: 'ABORTED',
  /** The store failed in a way none of the codes above describes. */
  BACKEND_ERROR: 'BACKEND_ERROR',
} as const;

/** One of the stable {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
