export {
  type Digest,
  REFERENCE_DIGEST_PATTERN,
  SHA256_DIGEST_PATTERN,
  isSha256Digest,
  parseDigest,
  digestHex,
  sha256Digest,
} from './digest.js';
export { createDigestVerifier, createDigester, digestOfStream, type ExpectedContent, type Digester, type StreamDigest } from './digest-streams.js';
