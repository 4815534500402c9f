export {
  type Digest,
  REFERENCE_DIGEST_PATTERN,
  SHA256_DIGEST_PATTERN,
  isSha256Digest,
  parseDigest,
  digestHex,
  sha256Digest,
} from './digest.js';
export { createDigestVerifier, createDigester, type ExpectedContent, type Digester } from './digest-streams.js';
