import { describe, expect, it } from 'vitest';
import { digestHex, ErrorCode, isSha256Digest, parseDigest, REFERENCE_DIGEST_PATTERN, sha256Digest, type Digest } from '../../src/index.js';
import { thrown } from '../support/thrown.js';

const hex = '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';
const valid = `sha256:${hex}`;

describe('parseDigest', () => {
  it('returns a well-formed sha256 digest unchanged', () => {
    expect(parseDigest(valid)).toBe(valid);
    expect(parseDigest(`sha256:${'0'.repeat(64)}`)).toBe(`sha256:${'0'.repeat(64)}`);
  });

  const rejected: [string, unknown, string][] = [
    ['a number', 42, 'digest must be a string, got number'],
    ['undefined', undefined, 'digest must be a string, got undefined'],
    ['no algorithm', hex, `digest "${hex}" is invalid: expected "sha256:" followed by 64 hex characters`],
    ['empty', '', 'digest "" is invalid: expected "sha256:" followed by 64 hex characters'],
    ['sha512', `sha512:${'a'.repeat(128)}`, `digest "sha512:${'a'.repeat(70)}..." is invalid: unsupported algorithm "sha512" (only sha256 is supported)`],
    ['uppercase algorithm', `SHA256:${hex}`, `digest "SHA256:${hex}" is invalid: unsupported algorithm "SHA256" (only sha256 is supported)`],
    ['short', 'sha256:abc', 'digest "sha256:abc" is invalid: a sha256 digest has 64 hex characters, this one has 3'],
    ['long', `${valid}0`, `digest "sha256:${hex}0" is invalid: a sha256 digest has 64 hex characters, this one has 65`],
    ['uppercase hex', `sha256:${hex.toUpperCase()}`, `digest "sha256:${hex.toUpperCase()}" is invalid: hex characters must be lowercase`],
    ['a path', `sha256:../../${'a'.repeat(58)}`, `digest "sha256:../../${'a'.repeat(58)}" is invalid: the part after "sha256:" must be lowercase hex (0-9, a-f)`],
    ['non-hex letters', `sha256:${'g'.repeat(64)}`, `digest "sha256:${'g'.repeat(64)}" is invalid: the part after "sha256:" must be lowercase hex (0-9, a-f)`],
  ];

  for (const [name, value, message] of rejected) {
    it(`rejects ${name} with INVALID_DIGEST saying why`, () => {
      const error = thrown(() => parseDigest(value));
      expect(error.code).toBe(ErrorCode.INVALID_DIGEST);
      expect(error.message).toBe(message);
    });
  }

  it('names the field in the message', () => {
    expect(thrown(() => parseDigest('sha256:zz', 'layers[2].digest')).message).toBe('layers[2].digest "sha256:zz" is invalid: a sha256 digest has 64 hex characters, this one has 2');
  });

  it('truncates a long value in the message and details', () => {
    const error = thrown(() => parseDigest(`sha256:${'x'.repeat(10_000)}`));
    expect(error.message.length).toBeLessThan(200);
    expect(String(error.details['digest'])).toHaveLength(80);
  });
});

describe('isSha256Digest and digestHex', () => {
  it('agree with parseDigest', () => {
    expect(isSha256Digest(valid)).toBe(true);
    expect(isSha256Digest(`sha256:${hex.toUpperCase()}`)).toBe(false);
    expect(isSha256Digest(undefined)).toBe(false);
    expect(digestHex(valid)).toBe(hex);
    expect(thrown(() => digestHex('sha256:abc' as Digest)).code).toBe(ErrorCode.INVALID_DIGEST);
  });

  it('the reference pattern is wider than what can be stored', () => {
    expect(REFERENCE_DIGEST_PATTERN.test(`sha512:${'a'.repeat(128)}`)).toBe(true);
    expect(REFERENCE_DIGEST_PATTERN.test(`sha256:${hex.toUpperCase()}`)).toBe(true);
    expect(REFERENCE_DIGEST_PATTERN.test('sha256:abc')).toBe(false);
  });
});

describe('sha256Digest', () => {
  it('matches the known test vectors', () => {
    expect(sha256Digest(new Uint8Array())).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Digest('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Digest(new TextEncoder().encode('abc'))).toBe(sha256Digest('abc'));
    expect(sha256Digest('{}')).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
