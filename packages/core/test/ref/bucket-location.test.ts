import { describe, expect, it } from 'vitest';
import { BucketLocation, parse, parseBucketLocation } from '../../src/ref/index.js';
import { expectInvalid } from './expect-invalid.js';

describe('parseBucketLocation', () => {
  it.each([
    // references.md
    ['s3://bucket', 's3', 'bucket', ''],
    ['s3://bucket/', 's3', 'bucket', ''],
    ['s3://bucket/team/', 's3', 'bucket', 'team/'],
    ['gs://bucket/team/', 'gs', 'bucket', 'team/'],
    ['az://container', 'az', 'container', ''],
    ['minio://bucket/org/team/', 'minio', 'bucket', 'org/team/'],
    // a prefix without its trailing "/" is the same filter
    ['s3://bucket/team', 's3', 'bucket', 'team/'],
    ['s3://bucket/org/team', 's3', 'bucket', 'org/team/'],
    // local: the same splitting rule as image references (Go lesson 10)
    ['local:///store/', 'local', '/store', ''],
    ['local:///store', 'local', '/store', ''],
    ['local://./store', 'local', './store', ''],
    ['local://./store/', 'local', './store', ''],
    ['local://../store/team/', 'local', '../store', 'team/'],
    ['local://store', 'local', 'store', ''],
    ['local://.', 'local', '.', ''],
    ['local:///var/lib/s3lo//', 'local', '/var/lib/s3lo', ''],
    ['local:///var/lib/s3lo//team/', 'local', '/var/lib/s3lo', 'team/'],
    ['local:///var/lib/s3lo//team', 'local', '/var/lib/s3lo', 'team/'],
    ['local://./a/b//', 'local', './a/b', ''],
    // without "//" the Go rule applies here too: /var is the directory, lib/s3lo/ the filter
    ['local:///var/lib/s3lo', 'local', '/var', 'lib/s3lo/'],
  ])('%s -> %s, %s, %j', (text, scheme, bucket, prefix) => {
    expect(parseBucketLocation(text)).toMatchObject({ kind: 'bucket', scheme, bucket, prefix });
  });

  it('splits a bucket exactly where an image reference in it splits', () => {
    for (const [location, image] of [
      ['local:///store/', 'local:///store/app:v1'],
      ['local://./store/', 'local://./store/team/app:v1'],
      ['local:///var/lib/s3lo//', 'local:///var/lib/s3lo//team/app:v1'],
      ['local://.//', 'local://.//app:v1'],
      ['s3://b/', 's3://b/app:v1'],
    ] as const) {
      expect(parseBucketLocation(location).bucket).toBe(parse(image).bucket);
    }
  });

  describe('toString', () => {
    it.each([
      ['s3://bucket', 's3://bucket'],
      ['s3://bucket/', 's3://bucket'],
      ['s3://bucket/team', 's3://bucket/team/'],
      ['s3://bucket/team/', 's3://bucket/team/'],
      ['local:///store/', 'local:///store'],
      ['local://./store', 'local://./store'],
      ['local://.', 'local://.'],
      ['local://.//', 'local://.'],
      ['local:///var/lib/s3lo//', 'local:///var/lib/s3lo//'],
      ['local:///var/lib/s3lo//team', 'local:///var/lib/s3lo//team/'],
      ['local://./a/b//x/', 'local://./a/b//x/'],
    ])('%s prints as %s and parses back equal', (text, printed) => {
      const loc = parseBucketLocation(text);
      expect(loc.toString()).toBe(printed);
      expect(parseBucketLocation(loc.toString())).toEqual(loc);
    });

    it('prints ".." as a directory in the "//" form only when the Go rule would misread it', () => {
      const loc = BucketLocation.from({ scheme: 'local', bucket: '..', prefix: 'team' });
      expect(loc.toString()).toBe('local://..//team/');
      expect(parseBucketLocation(loc.toString())).toEqual(loc);
    });
  });

  describe('matchesImage: a prefix selects whole components', () => {
    const team = parseBucketLocation('s3://b/team/');
    it.each([
      ['team', true],
      ['team/app', true],
      ['team/sub/app', true],
      ['teams', false],
      ['teamwork/app', false],
      ['other/team', false],
      ['tea', false],
    ])('team/ vs %s -> %s', (name, expected) => {
      expect(team.matchesImage(name)).toBe(expected);
    });

    it('treats "team" like "team/"', () => {
      expect(parseBucketLocation('s3://b/team')).toEqual(team);
      expect(parseBucketLocation('s3://b/team').matchesImage('teams')).toBe(false);
    });

    it('matches everything without a prefix', () => {
      const all = parseBucketLocation('s3://b');
      expect(all.matchesImage('anything/at/all')).toBe(true);
    });
  });

  it('gives the manifests key prefix of the filter', () => {
    expect(parseBucketLocation('s3://b').manifestsPrefix()).toBe('manifests/');
    expect(parseBucketLocation('s3://b/team').manifestsPrefix()).toBe('manifests/team/');
    expect(parseBucketLocation('local:///var/lib/s3lo//org/team/').manifestsPrefix()).toBe('manifests/org/team/');
  });

  it('builds image references in its bucket', () => {
    const loc = parseBucketLocation('local:///var/lib/s3lo//team/');
    const r = loc.imageRef('team/app', 'v1');
    expect(r).toMatchObject({ scheme: 'local', bucket: '/var/lib/s3lo', image: 'team/app', tag: 'v1', tagExplicit: true });
    expect(r.toString()).toBe('local:///var/lib/s3lo//team/app:v1');
    expect(loc.imageRef('app')).toMatchObject({ tag: 'latest', tagExplicit: false });
    expectInvalid(() => loc.imageRef('app', '..'), 'local:///var/lib/s3lo/app:..', 'tag ".."');
    expectInvalid(() => loc.imageRef('../app', 'v1'), 'local:///var/lib/s3lo/../app:v1', '".." component');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(parseBucketLocation('s3://b/team/'))).toBe(true);
  });

  describe('rejects', () => {
    it.each([
      ['s3://', 'the bucket is empty'],
      ['s3:///team/', 'the bucket is empty'],
      ['S3://b', 'schemes are lowercase'],
      ['bucket', 'has no scheme'],
      ['docker://alpine', 'names a registry image'],
      ['https://b/', 'is a URL'],
      ['local:///', 'a directory name must follow "/"'],
      ['local://./', 'a directory name must follow "./"'],
      ['local:////x', 'the bucket directory is empty'],
      ['s3://b//', 'image-name filter "/" has an empty component'],
      ['s3://b///', 'image-name filter "/" must not start with "/"'],
      ['s3://b/team//', 'image-name filter "team/" must not end with "/"'],
      ['s3://b/a//b/', 'has an empty component'],
      ['s3://b/../', 'contains a ".." component'],
      ['s3://b/..', 'contains a ".." component'],
      ['s3://b/./', 'contains a "." component'],
      ['s3://b/team/../../', 'contains a ".." component'],
      ['local:///var/lib/s3lo//../', 'contains a ".." component'],
      ['local://./store/..', 'contains a ".." component'],
      ['s3://b/a\\b/', 'contains "\\"'],
      ['s3://b/app:v1', 'names a tag or digest'],
      ['s3://b/app@sha256:abc', 'names a tag or digest'],
      ['s3://b/my team/', 'is not allowed'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parseBucketLocation(text), text, fragment);
    });

    it('validates from() parts', () => {
      expectInvalid(() => BucketLocation.from({ scheme: 's3', bucket: 'b', prefix: '../' }), 's3://b/../', '".." component');
      expectInvalid(() => BucketLocation.from({ scheme: 's3', bucket: '', prefix: '' }), 's3:///', 'the bucket is empty');
    });
  });
});
