import { describe, expect, it } from 'vitest';
import { thrown } from '../support/thrown.js';
import { blobKey, digestOfBlobKey, parseTagKey, signaturesTagKey, tagKey, tagOwnsKey, tagPrefix } from '../../src/image/bucket-layout.js';

const hex = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('bucket layout keys', () => {
  it('builds the Go s3lo keys', () => {
    expect(blobKey(`sha256:${hex}`)).toBe(`blobs/sha256/${hex}`);
    expect(tagPrefix('team/app', 'v1')).toBe('manifests/team/app/v1/');
    expect(tagKey('team/app', 'v1')).toBe('manifests/team/app/v1/manifest.json');
  });

  it('never turns a malformed digest into a key', () => {
    for (const digest of ['sha256:../../etc', `sha512:${hex}`, `sha256:${hex.toUpperCase()}`, hex, '']) {
      expect(thrown(() => blobKey(digest)).code).toBe('INVALID_DIGEST');
    }
  });

  it('never builds a tag key outside its tag', () => {
    for (const [image, tag] of [
      ['app', '..'],
      ['app', '.'],
      ['app', 'a/b'],
      ['app', ''],
      ['../app', 'v1'],
      ['team/../../x', 'v1'],
      ['', 'v1'],
      ['/abs', 'v1'],
    ] as const) {
      expect(thrown(() => tagKey(image, tag)).code, `${image}:${tag}`).toBe('INVALID_REFERENCE');
    }
  });

  it("a tag owns its direct objects and signature records, never a deeper image's keys", () => {
    // Relative to tagPrefix('team', 'app') = 'manifests/team/app/', which also holds image team/app.
    for (const own of ['manifest.json', 'config.json', 'index.json', 'oci-layout', 'signatures/0123abcd.json']) expect(tagOwnsKey(own, false), own).toBe(true);
    for (const other of ['v1/manifest.json', 'x/v1/manifest.json', 'signatures/manifest.json', 'signatures/v1/manifest.json', 'signatures/a/b.json', 'signatures/', '']) {
      expect(tagOwnsKey(other, false), other).toBe(false);
    }
    // With a tag team/app:signatures, its objects and the records share a prefix: none is taken.
    expect(tagOwnsKey('signatures/0123abcd.json', true)).toBe(false);
    expect(tagOwnsKey('manifest.json', true)).toBe(true);
    expect(signaturesTagKey('team', 'app')).toBe(tagKey('team/app', 'signatures'));
  });

  it('parses tag keys back, and only tag keys', () => {
    expect(parseTagKey('manifests/team/app/v1/manifest.json')).toEqual({ image: 'team/app', tag: 'v1' });
    expect(parseTagKey('manifests/app/v1/config.json')).toBeUndefined();
    expect(parseTagKey('manifests/v1/manifest.json')).toBeUndefined();
    expect(parseTagKey('blobs/sha256/x/manifest.json')).toBeUndefined();
    expect(digestOfBlobKey(`blobs/sha256/${hex}`)).toBe(`sha256:${hex}`);
    expect(digestOfBlobKey('blobs/sha256/nothex')).toBeUndefined();
    expect(digestOfBlobKey(`chunks/sha256/${hex}`)).toBeUndefined();
  });
});
