import { describe, expect, it } from 'vitest';
import { ref } from '../../src/index.js';
import { parseImageLocation, type ImageLocation } from '../../src/ref/index.js';
import { expectInvalid } from './expect-invalid.js';

describe('parseImageLocation', () => {
  it.each([
    ['s3://b/app:v1', 'bucket-image'],
    ['local://./store/app:v1', 'bucket-image'],
    ['minio://b/app', 'bucket-image'],
    ['docker://alpine', 'registry'],
    ['alpine', 'registry'],
    ['alpine:3', 'registry'],
    ['ghcr.io/o/i:t', 'registry'],
    ['localhost:5000/app:dev', 'registry'],
    ['oci:./layout', 'oci'],
    ['oci:./layout:v1', 'oci'],
    ['oci-archive:a.tar', 'oci-archive'],
    ['docker-archive:a.tar:app:v1', 'docker-archive'],
    ['docker-daemon:app:v1', 'docker-daemon'],
  ])('%s -> %s', (text, kind) => {
    expect(parseImageLocation(text).kind).toBe(kind);
  });

  it('reads a bare name as a Docker Engine image when told to (push)', () => {
    const r = parseImageLocation('app:v1', { bareNameIs: 'docker-daemon' });
    expect(r.kind).toBe('docker-daemon');
    expect(r.toString()).toBe('docker-daemon:app:v1');
    // schemes and transports keep their meaning
    expect(parseImageLocation('s3://b/app:v1', { bareNameIs: 'docker-daemon' }).kind).toBe('bucket-image');
    expect(parseImageLocation('docker://app:v1', { bareNameIs: 'docker-daemon' }).kind).toBe('registry');
    expect(parseImageLocation('oci:x', { bareNameIs: 'docker-daemon' }).kind).toBe('oci');
  });

  it('reports a bare daemon name against what the user wrote', () => {
    const e = expectInvalid(() => parseImageLocation('app', { bareNameIs: 'docker-daemon' }), 'app', 'has neither a tag nor a digest');
    expect(e.message).toMatch(/^invalid docker-daemon reference "app": /);
  });

  it('gives transports precedence over a Docker Hub image of the same name', () => {
    expect(parseImageLocation('oci:v1').kind).toBe('oci');
    expect(parseImageLocation('docker.io/library/oci:v1').kind).toBe('registry');
    expect(parseImageLocation('docker://oci:v1').kind).toBe('registry');
  });

  it('narrows by kind', () => {
    const r: ImageLocation = parseImageLocation('s3://b/team/app:v1');
    if (r.kind !== 'bucket-image') throw new Error('expected a bucket image');
    expect(r.manifestsPrefix()).toBe('manifests/team/app/v1/');
  });

  it('is reachable as ref.parseImageLocation', () => {
    expect(ref.parseImageLocation('alpine').toString()).toBe('docker.io/library/alpine:latest');
  });

  describe('rejects, with the right parser and hint', () => {
    it.each([
      ['S3://b/app:v1', 'schemes are lowercase'],
      ['DOCKER://alpine', 'schemes are lowercase: write "docker://"'],
      ['https://ghcr.io/o/app:v1', 'is a URL'],
      ['s3://b/app:..', 'tag ".."'],
      ['oci:', 'the path is empty'],
      ['App:v1', 'must be lowercase'],
      ['', 'the reference is empty'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parseImageLocation(text), text, fragment);
    });

    it('hints at oci: for something that looks like a path', () => {
      expect(expectInvalid(() => parseImageLocation('./layout'), './layout').hint).toContain('oci:<dir>');
      expect(expectInvalid(() => parseImageLocation('/tmp/x:..'), '/tmp/x:..').hint).toContain('oci:<dir>');
    });

    it('hints that other skopeo transports are unsupported', () => {
      expect(expectInvalid(() => parseImageLocation('dir:/tmp/x'), 'dir:/tmp/x').hint).toContain('the dir: transport is not supported');
      expect(expectInvalid(() => parseImageLocation('containers-storage:app:v1'), 'containers-storage:app:v1').hint).toContain('not supported');
    });

    it('keeps a parser hint over its own', () => {
      expect(expectInvalid(() => parseImageLocation('https://b/app'), 'https://b/app').hint).toContain('AWS_ENDPOINT_URL');
    });
  });
});
