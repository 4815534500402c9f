import { describe, expect, it } from 'vitest';
import { parseTransportReference } from '../../src/ref/index.js';
import { expectInvalid } from './expect-invalid.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;

describe('parseTransportReference (skopeo spellings)', () => {
  describe('oci: and oci-archive:', () => {
    it.each([
      ['oci:./layout', 'oci', './layout', undefined],
      ['oci:./layout:v1', 'oci', './layout', 'v1'],
      ['oci:/abs/layout:v1.0-rc_1', 'oci', '/abs/layout', 'v1.0-rc_1'],
      ['oci:layout', 'oci', 'layout', undefined],
      ['oci:../out:docker.io/library/alpine:3', 'oci', '../out', 'docker.io/library/alpine:3'],
      ['oci:dir:a--b+c@d', 'oci', 'dir', 'a--b+c@d'],
      ['oci:My Images/x:v1', 'oci', 'My Images/x', 'v1'],
      ['oci-archive:image.tar', 'oci-archive', 'image.tar', undefined],
      ['oci-archive:/tmp/image.tar:v1', 'oci-archive', '/tmp/image.tar', 'v1'],
    ])('%s', (text, kind, path, tag) => {
      const r = parseTransportReference(text);
      expect(r).toMatchObject({ kind, path, tag });
      expect(r.toString()).toBe(text);
      expect(parseTransportReference(r.toString())).toEqual(r);
    });
  });

  describe('docker-archive:', () => {
    it('parses a bare archive', () => {
      const r = parseTransportReference('docker-archive:app.tar');
      expect(r).toMatchObject({ kind: 'docker-archive', path: 'app.tar', reference: undefined });
      expect(r.toString()).toBe('docker-archive:app.tar');
    });

    it.each([
      ['docker-archive:app.tar:app:v1', 'app.tar', 'docker.io/library/app:v1', 'docker-archive:app.tar:app:v1'],
      ['docker-archive:app.tar:app', 'app.tar', 'docker.io/library/app:latest', 'docker-archive:app.tar:app'],
      ['docker-archive:/tmp/a.tar:ghcr.io/o/app:v1', '/tmp/a.tar', 'ghcr.io/o/app:v1', 'docker-archive:/tmp/a.tar:ghcr.io/o/app:v1'],
      ['docker-archive:a.tar:docker.io/library/app:v1', 'a.tar', 'docker.io/library/app:v1', 'docker-archive:a.tar:app:v1'],
      ['docker-archive:a.tar:localhost:5000/app:v1', 'a.tar', 'localhost:5000/app:v1', 'docker-archive:a.tar:localhost:5000/app:v1'],
    ])('%s', (text, path, canonical, printed) => {
      const r = parseTransportReference(text);
      if (r.kind !== 'docker-archive') throw new Error(`expected docker-archive, got ${r.kind}`);
      expect(r.path).toBe(path);
      expect(r.reference?.toString()).toBe(canonical);
      expect(r.toString()).toBe(printed);
      expect(parseTransportReference(r.toString())).toEqual(r);
    });
  });

  describe('docker-daemon:', () => {
    it.each([
      ['docker-daemon:app:v1', 'docker.io/library/app:v1', 'docker-daemon:app:v1'],
      ['docker-daemon:myorg/app:latest', 'docker.io/myorg/app:latest', 'docker-daemon:myorg/app:latest'],
      ['docker-daemon:ghcr.io/o/app:v1', 'ghcr.io/o/app:v1', 'docker-daemon:ghcr.io/o/app:v1'],
      [`docker-daemon:app@${DIGEST}`, `docker.io/library/app@${DIGEST}`, `docker-daemon:app@${DIGEST}`],
      ['docker-daemon:docker.io/library/app:v1', 'docker.io/library/app:v1', 'docker-daemon:app:v1'],
    ])('%s', (text, canonical, printed) => {
      const r = parseTransportReference(text);
      if (r.kind !== 'docker-daemon') throw new Error(`expected docker-daemon, got ${r.kind}`);
      expect(r.reference.toString()).toBe(canonical);
      expect(r.toString()).toBe(printed);
      expect(parseTransportReference(r.toString())).toEqual(r);
    });
  });

  it('makes frozen values', () => {
    for (const text of ['oci:x:v1', 'oci-archive:x', 'docker-archive:x:a:b', 'docker-daemon:a:b']) {
      expect(Object.isFrozen(parseTransportReference(text))).toBe(true);
    }
  });

  describe('rejects', () => {
    it.each([
      ['oci:', 'the path is empty'],
      ['oci::v1', 'the path is empty'],
      ['oci:dir:', 'the tag after the path is empty'],
      ['oci://dir', 'starts with "//"'],
      ['oci:dir:..', 'tag ".." is not a valid OCI reference name'],
      ['oci:dir:.', 'is not a valid OCI reference name'],
      ['oci:dir:a//b', 'is not a valid OCI reference name'],
      ['oci:dir:a---b', 'is not a valid OCI reference name'],
      ['oci:dir:v 1', 'is not a valid OCI reference name'],
      ['oci:C:\\layout', 'a path containing ":" cannot be written here'],
      ['oci-archive:', 'the path is empty'],
      ['oci-archive:a.tar:', 'the tag after the path is empty'],
      ['docker-archive:', 'the path is empty'],
      ['docker-archive::app:v1', 'the path is empty'],
      ['docker-archive:a.tar:', 'the image name after the path is empty'],
      ['docker-archive:a.tar:App:v1', 'must be lowercase'],
      [`docker-archive:a.tar:app@${DIGEST}`, 'digests are not supported'],
      ['docker-archive:/mnt/c:/x.tar', 'a path containing ":" cannot be written here'],
      ['docker-daemon:', 'the image name is empty'],
      ['docker-daemon:app', 'has neither a tag nor a digest'],
      ['docker-daemon:ghcr.io/o/app', 'has neither a tag nor a digest'],
      [`docker-daemon:app:v1@${DIGEST}`, 'a tag or a digest, not both'],
      [`docker-daemon:${DIGEST}`, 'image IDs are not supported'],
      ['docker-daemon:app:..', 'tag ".." is not allowed'],
      ['docker-daemon:docker://app:v1', '"docker://" cannot appear here'],
      ['dir:/tmp/x', 'it names no transport'],
      ['nothing', 'it names no transport'],
      ['oci:dir\u0000:v1', 'control or invisible character U+0000'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parseTransportReference(text), text, fragment);
    });

    it('says which transport it was parsing', () => {
      expect(expectInvalid(() => parseTransportReference('oci:'), 'oci:').message).toMatch(/^invalid oci reference /);
      expect(expectInvalid(() => parseTransportReference('docker-daemon:app'), 'docker-daemon:app').hint).toBe('write app:latest for the latest tag');
    });
  });
});
