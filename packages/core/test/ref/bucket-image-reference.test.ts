import { describe, expect, it } from 'vitest';
import { ref } from '../../src/index.js';
import { S3loError } from '../../src/errors/index.js';
import { BucketImageReference, parse } from '../../src/ref/index.js';
import { expectInvalid } from './expect-invalid.js';

const HEX = 'a'.repeat(64);
const DIGEST = `sha256:${HEX}`;

describe('parse: bucket image references', () => {
  it.each([
    ['s3://my-bucket/app:v1', 's3', 'my-bucket', 'app', 'v1'],
    ['gs://my-bucket/org/team/app:1.0', 'gs', 'my-bucket', 'org/team/app', '1.0'],
    ['az://my-container/app:v1', 'az', 'my-container', 'app', 'v1'],
    ['s3://bucket.with.dots/app:v1', 's3', 'bucket.with.dots', 'app', 'v1'],
    ['minio://b/app:v1', 'minio', 'b', 'app', 'v1'],
    ['s3+path.x-y://b/app:v1', 's3+path.x-y', 'b', 'app', 'v1'],
    ['s3://b/My_App/v-1.x:V_1.0-rc.1', 's3', 'b', 'My_App/v-1.x', 'V_1.0-rc.1'],
  ])('%s', (text, scheme, bucket, image, tag) => {
    const r = parse(text);
    expect(r).toMatchObject({ kind: 'bucket-image', scheme, bucket, image, tag, digest: undefined, tagExplicit: true });
  });

  it('is reachable as ref.parse from the package root', () => {
    expect(ref.parse('s3://b/app:v1').image).toBe('app');
  });

  it('satisfies BucketTarget structurally ({ scheme, bucket })', () => {
    const { scheme, bucket } = parse('local://./store/app:v1');
    expect({ scheme, bucket }).toEqual({ scheme: 'local', bucket: './store' });
  });

  describe('local bucket directories (references.md)', () => {
    it.each([
      ['local://./store/app:v1', './store', 'app'],
      ['local://../store/app:v1', '../store', 'app'],
      ['local:///store/app:v1', '/store', 'app'],
      ['local://store/app:v1', 'store', 'app'],
      ['local://./store/org/app:v1', './store', 'org/app'],
      ['local:///store/org/app:v1', '/store', 'org/app'],
      // The Go rule: one component after the leading "/" (the Go tool's defect, kept for compatibility).
      ['local:///var/lib/s3lo/app:v1', '/var', 'lib/s3lo/app'],
      ['local://../../store/app:v1', '../..', 'store/app'],
    ])('%s -> bucket %s, image %s', (text, bucket, image) => {
      expect(parse(text)).toMatchObject({ scheme: 'local', bucket, image, tag: 'v1' });
    });

    it.each([
      ['local:///var/lib/s3lo//team/app:v1', '/var/lib/s3lo', 'team/app'],
      ['local://./a/b//app:v1', './a/b', 'app'],
      ['local://../a/b//app:v1', '../a/b', 'app'],
      ['local://a/b/c//app:v1', 'a/b/c', 'app'],
      ['local://.//app:v1', '.', 'app'],
      ['local://..//app:v1', '..', 'app'],
      ['local:///store//app:v1', '/store', 'app'],
      ['local://C:/store//app:v1', 'C:/store', 'app'],
    ])('"//" separates a deep directory: %s -> %s + %s', (text, bucket, image) => {
      expect(parse(text)).toMatchObject({ bucket, image, tag: 'v1' });
    });
  });

  describe('tags and digests', () => {
    it('defaults the tag to latest, not explicit', () => {
      const r = parse('s3://b/app');
      expect(r.tag).toBe('latest');
      expect(r.tagExplicit).toBe(false);
      expect(r.digest).toBeUndefined();
    });

    it('marks a written latest as explicit', () => {
      expect(parse('s3://b/app:latest').tagExplicit).toBe(true);
    });

    it('takes the tag after the last ":"', () => {
      expect(parse('local://C:/store//app:v1')).toMatchObject({ image: 'app', tag: 'v1' });
      expect(parse('s3://b:x/app:v1')).toMatchObject({ bucket: 'b:x', image: 'app', tag: 'v1' });
    });

    it('parses the digest form; tag is then undefined', () => {
      const r = parse(`s3://b/team/app@${DIGEST}`);
      expect(r).toMatchObject({ image: 'team/app', digest: DIGEST, tag: undefined, tagExplicit: false });
    });

    it.each([`sha512:${'b'.repeat(128)}`, `blake3:${'c'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, `multihash+base58:${'d'.repeat(32)}`])(
      'accepts the reference digest grammar: %s',
      (digest) => {
        expect(parse(`s3://b/app@${digest}`).digest).toBe(digest);
      },
    );

    it('refuses a tag and a digest together', () => {
      const e = expectInvalid(() => parse(`s3://b/app:v1@${DIGEST}`), `s3://b/app:v1@${DIGEST}`, 'tag "v1"', 'not both');
      expect(e.hint).toContain('digest');
    });
  });

  describe('toString round-trips', () => {
    it.each([
      's3://b/app:v1',
      's3://b/app',
      's3://b/team/app:latest',
      `gs://b/app@${DIGEST}`,
      'local://./store/app:v1',
      'local://../store/app',
      'local:///store/team/app:v1',
      'local://store/app:v1',
      'local:///var/lib/s3lo//team/app:v1',
      'local://./a/b//app:v1',
      'local://.//app:v1',
      'local://..//app',
      'minio://b/app:v1',
    ])('%s', (text) => {
      const r = parse(text);
      expect(r.toString()).toBe(text);
      expect(parse(r.toString())).toEqual(r);
      expect(String(r)).toBe(text);
    });

    it('prints a deep local directory in the "//" form when built from parts', () => {
      const r = BucketImageReference.from({ scheme: 'local', bucket: '/var/lib/s3lo', image: 'app', tag: 'v1' });
      expect(r.toString()).toBe('local:///var/lib/s3lo//app:v1');
      expect(parse(r.toString())).toEqual(r);
    });

    it('prints a Go-compatible local directory without "//" even if it was written with it', () => {
      const r = parse('local:///store//app:v1');
      expect(r.toString()).toBe('local:///store/app:v1');
      expect(parse(r.toString())).toEqual(r);
    });
  });

  describe('immutability and helpers', () => {
    it('is frozen', () => {
      const r = parse('s3://b/app:v1');
      expect(Object.isFrozen(r)).toBe(true);
      expect(() => {
        (r as { tag: string }).tag = '..';
      }).toThrow(TypeError);
    });

    it('withTag makes an explicit tag and drops a digest', () => {
      expect(parse('s3://b/app').withTag('latest').toString()).toBe('s3://b/app:latest');
      const r = parse(`s3://b/app@${DIGEST}`).withTag('v2');
      expect(r).toMatchObject({ tag: 'v2', digest: undefined, tagExplicit: true });
      expect(r.toString()).toBe('s3://b/app:v2');
    });

    it('withTag validates the tag', () => {
      expectInvalid(() => parse('s3://b/app:v1').withTag('..'), 's3://b/app:..', 'tag ".." is not allowed');
      expectInvalid(() => parse('s3://b/app:v1').withTag('a/b'), 's3://b/app:a/b', 'tag "a/b"');
      expectInvalid(() => parse('s3://b/app:v1').withTag(''), 's3://b/app:', 'the tag is empty');
    });

    it('withDigest pins a digest and validates it', () => {
      const r = parse('local:///var/lib/s3lo//app:v1').withDigest(DIGEST);
      expect(r).toMatchObject({ tag: undefined, digest: DIGEST });
      expect(r.toString()).toBe(`local:///var/lib/s3lo//app@${DIGEST}`);
      expectInvalid(() => parse('s3://b/app').withDigest('sha256:abc'), 's3://b/app@sha256:abc', 'has 64 hex characters');
    });

    it('from() validates every part', () => {
      expectInvalid(() => BucketImageReference.from({ scheme: 's3', bucket: 'a/b', image: 'app' }), 's3://a/b/app', 'must not contain "/"');
      expectInvalid(() => BucketImageReference.from({ scheme: 'S3', bucket: 'b', image: 'app' }), 'S3://b/app', 'lowercase');
      expectInvalid(() => BucketImageReference.from({ scheme: 's3', bucket: 'b', image: 'app:v1', tag: 'v2' }), 's3://b/app:v1:v2', 'component "app:v1"');
      expectInvalid(() => BucketImageReference.from({ scheme: 's3', bucket: 'b', image: '../x' }), 's3://b/../x', '".." component');
      expectInvalid(() => BucketImageReference.from({ scheme: 'local', bucket: '/a//b', image: 'x' }), 'local:///a//b/x', '"//"');
      expectInvalid(() => BucketImageReference.from({ scheme: 'local', bucket: '/a/', image: 'x' }), 'local:///a//x', 'must not end with "/"');
      expectInvalid(() => BucketImageReference.from({ scheme: 's3', bucket: 'b', image: 'x', tag: 'v1', digest: DIGEST }), `s3://b/x:v1@${DIGEST}`, 'not both');
    });
  });

  describe('manifestsPrefix', () => {
    it.each([
      ['s3://b/app:v1', 'manifests/app/v1/'],
      ['s3://b/app', 'manifests/app/latest/'],
      ['s3://b/org/team/app:1.0', 'manifests/org/team/app/1.0/'],
      ['local:///var/lib/s3lo//team/app:v1', 'manifests/team/app/v1/'],
    ])('%s -> %s', (text, prefix) => {
      expect(parse(text).manifestsPrefix()).toBe(prefix);
    });

    it('refuses a digest reference instead of inventing a manifests/<image>/sha256:... key (Go lesson 8)', () => {
      let thrown: unknown;
      try {
        parse(`s3://b/app@${DIGEST}`).manifestsPrefix();
      } catch (error) {
        thrown = error;
      }
      expect(S3loError.isInstance(thrown, 'INVALID_ARGUMENT')).toBe(true);
      expect((thrown as Error).message).toContain('names a digest');
      expect((thrown as Error).message).toContain(`s3://b/app@${DIGEST}`);
    });
  });
});
