import { describe, expect, it } from 'vitest';
import { parse } from '../../src/ref/index.js';
import { expectInvalid } from './expect-invalid.js';

const HEX = 'a'.repeat(64);

describe('parse rejects, saying what is wrong with the input', () => {
  it('quotes the input and explains the rule, as in the brief', () => {
    const e = expectInvalid(() => parse('s3://b/app:..'), 's3://b/app:..');
    expect(e.message).toBe('invalid reference "s3://b/app:..": tag ".." is not allowed (a tag is 1-128 of [A-Za-z0-9_.-], not starting with "." or "-")');
    expect(e.details).toEqual({ reference: 's3://b/app:..' });
  });

  it('refuses local://./store/app:.. (Go lesson 1: it once deleted a whole store)', () => {
    expectInvalid(() => parse('local://./store/app:..'), 'local://./store/app:..', 'tag ".."');
  });

  describe('schemes', () => {
    it.each([
      ['app:v1', 'has no scheme'],
      ['s3:/b/app:v1', 'has no scheme'],
      ['://b/app:v1', 'scheme before "://" is empty'],
      ['S3://b/app:v1', 'schemes are lowercase: write "s3://"'],
      ['Local://./store/app:v1', 'write "local://"'],
      ['DOCKER://alpine', 'write "docker://"'],
      ['3s://b/app:v1', 'scheme "3s" is not valid'],
      ['s_3://b/app:v1', 'scheme "s_3" is not valid'],
      ['docker://alpine:3', 'names a registry image'],
      ['http://b/app:v1', 'is a URL'],
      ['https://s3.amazonaws.com/b/app:v1', 'is a URL'],
      ['file:///store/app:v1', '"file://" is not a bucket scheme'],
      ['oci://dir:v1', '"oci://" is not a bucket scheme'],
      ['docker-archive://x.tar', 'not a bucket scheme'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parse(text), text, fragment);
    });

    it('gives a hint for URLs and files', () => {
      expect(expectInvalid(() => parse('https://b/app'), 'https://b/app').hint).toContain('s3://');
      expect(expectInvalid(() => parse('file:///x/app'), 'file:///x/app').hint).toContain('local://');
      expect(expectInvalid(() => parse('oci://x'), 'oci://x').hint).toContain('oci:<path>');
    });
  });

  describe('buckets', () => {
    it.each([
      ['s3:///app:v1', 'the bucket is empty'],
      ['s3://', 'the bucket is empty'],
      ['gs:///app', 'the bucket is empty'],
      ['s3://./app:v1', '"." is not a bucket name'],
      ['s3://../app:v1', '".." is not a bucket name'],
      ['s3://my bucket/app:v1', 'contains whitespace'],
      ['s3://my\u00a0bucket/app:v1', 'contains whitespace'],
      ['s3://b\\c/app:v1', 'contains "\\"'],
      ['local:////app:v1', 'the bucket directory is empty'],
      ['local:///:v1', 'no image follows the bucket directory "/:v1"'],
      ['local:///', 'a directory name must follow "/"'],
      ['local://./', 'a directory name must follow "./"'],
      ['local://../', 'a directory name must follow "../"'],
      ['local:///my store//app:v1', 'contains whitespace'],
      ['local://C:\\store//app:v1', 'contains "\\"'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parse(text), text, fragment);
    });
  });

  describe('missing image', () => {
    it.each(['s3://b', 's3://b/', 'local://./store', 'local://./store/', 'local:///store', 'local:///var/lib/s3lo//', 'local://store'])('%s', (text) => {
      const e = expectInvalid(() => parse(text), text, 'no image follows');
      expect(e.hint).toMatch(/^write .*<image>:<tag>$/);
    });

    it('hints with the "//" form for a deep directory', () => {
      expect(expectInvalid(() => parse('local:///var/lib/s3lo//'), 'local:///var/lib/s3lo//').hint).toBe('write local:///var/lib/s3lo//<image>:<tag>');
    });
  });

  describe('image names', () => {
    it.each([
      ['s3://b/app/:v1', 'must not end with "/"'],
      ['s3://b/app/', 'must not end with "/"'],
      ['s3://b/team/', 'must not end with "/"'],
      ['s3://b//app:v1', 'must not start with "/"'],
      ['local:///store///app:v1', 'must not start with "/"'],
      ['s3://b/a//b:v1', 'has an empty component'],
      ['s3://b/../app:v1', 'contains a ".." component'],
      ['s3://b/team/../../app:v1', 'contains a ".." component'],
      ['s3://b/./app:v1', 'contains a "." component'],
      ['s3://b/..:v1', 'contains a ".." component'],
      ['s3://b/.', 'contains a "." component'],
      ['s3://b/..', 'contains a ".." component'],
      ['local://./store/../../etc:v1', 'contains a ".." component'],
      ['s3://b/a\\b:v1', 'contains "\\"'],
      ['s3://b/..\\..\\x:v1', 'contains "\\"'],
      ['s3://b/.hidden:v1', 'component ".hidden" is not allowed'],
      ['s3://b/-rf:v1', 'component "-rf" is not allowed'],
      ['s3://b/my app:v1', 'component "my app" is not allowed'],
      ['s3://b/app~1:v1', 'component "app~1" is not allowed'],
      ['s3://b/ä:v1', 'component "ä" is not allowed'],
      ['s3://b/:v1', 'the image name is empty'],
      [`s3://b/@sha256:${HEX}`, 'the image name is empty'],
      [`s3://b/${'a'.repeat(256)}:v1`, 'the image name is 256 characters long (at most 255)'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parse(text), text, fragment);
    });
  });

  describe('tags', () => {
    it.each([
      ['s3://b/app:', 'the tag is empty'],
      ['s3://b/app:.', 'tag "." is not allowed'],
      ['s3://b/app:..', 'tag ".." is not allowed'],
      ['s3://b/app:.v1', 'tag ".v1" is not allowed'],
      ['s3://b/app:-v1', 'tag "-v1" is not allowed'],
      ['s3://b/app:a/b', 'tag "a/b" is not allowed'],
      ['s3://b/app:../../x', 'tag "../../x" is not allowed'],
      ['s3://b/app:a\\b', 'tag "a\\\\b" is not allowed'],
      ['s3://b/app:v 1', 'tag "v 1" is not allowed'],
      ['s3://b/app:v1:v2', 'component "app:v1" is not allowed'],
      [`s3://b/app:${'a'.repeat(129)}`, 'the tag is 129 characters long'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parse(text), text, fragment);
    });

    it('accepts a 128-character tag', () => {
      expect(parse(`s3://b/app:${'a'.repeat(128)}`).tag).toHaveLength(128);
    });
  });

  describe('digests', () => {
    it.each([
      ['s3://b/app@', 'the digest after "@" is empty'],
      ['s3://b/app@sha256:', 'nothing after "sha256:"'],
      ['s3://b/app@sha256', 'has no algorithm'],
      [`s3://b/app@${HEX}`, 'has no algorithm'],
      ['s3://b/app@sha256:abc123', 'a sha256 digest has 64 hex characters, this one has 6'],
      [`s3://b/app@sha256:${HEX}0`, 'this one has 65'],
      [`s3://b/app@SHA256:${HEX}`, 'invalid algorithm "SHA256"'],
      [`s3://b/app@sha-:${HEX}`, 'invalid algorithm "sha-"'],
      [`s3://b/app@:${HEX}`, 'invalid algorithm ""'],
      [`s3://b/app@sha256:${'g'.repeat(64)}`, 'is not hex'],
      [`s3://b/app@sha256:${'a'.repeat(63)}z`, 'is not hex'],
      [`s3://b/app@blake3:${'a'.repeat(31)}`, 'has 31 hex characters (a digest has 32 to 128)'],
      [`s3://b/app@blake3:${'a'.repeat(129)}`, 'has 129 hex characters'],
      [`s3://b/app@sha256:${HEX}@x`, 'is not hex'],
      [`s3://b/app@sha256:${HEX}/x`, 'is not hex'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parse(text), text, fragment);
    });
  });
});
