import { describe, expect, it } from 'vitest';
import { DOCKER_HUB_API_HOST, parseRegistryReference } from '../../src/ref/index.js';
import { expectInvalid } from './expect-invalid.js';

const DIGEST = `sha256:${'e'.repeat(64)}`;

describe('parseRegistryReference (Docker rules)', () => {
  it.each([
    // references.md
    ['alpine', 'docker.io', 'registry-1.docker.io', 'library/alpine', 'latest', false, 'docker.io/library/alpine:latest'],
    ['ghcr.io/o/i:t', 'ghcr.io', 'ghcr.io', 'o/i', 't', true, 'ghcr.io/o/i:t'],
    ['localhost:5000/app:dev', 'localhost:5000', 'localhost:5000', 'app', 'dev', true, 'localhost:5000/app:dev'],
    ['docker://alpine', 'docker.io', 'registry-1.docker.io', 'library/alpine', 'latest', false, 'docker.io/library/alpine:latest'],
    // more of Docker's normalisation
    ['alpine:3.19', 'docker.io', DOCKER_HUB_API_HOST, 'library/alpine', '3.19', true, 'docker.io/library/alpine:3.19'],
    ['bitnami/redis:7', 'docker.io', DOCKER_HUB_API_HOST, 'bitnami/redis', '7', true, 'docker.io/bitnami/redis:7'],
    ['docker.io/alpine', 'docker.io', DOCKER_HUB_API_HOST, 'library/alpine', 'latest', false, 'docker.io/library/alpine:latest'],
    ['index.docker.io/library/alpine:3', 'docker.io', DOCKER_HUB_API_HOST, 'library/alpine', '3', true, 'docker.io/library/alpine:3'],
    ['index.docker.io/alpine', 'docker.io', DOCKER_HUB_API_HOST, 'library/alpine', 'latest', false, 'docker.io/library/alpine:latest'],
    ['localhost/app', 'localhost', 'localhost', 'app', 'latest', false, 'localhost/app:latest'],
    ['registry.example.com:443/a/b/c:v1', 'registry.example.com:443', 'registry.example.com:443', 'a/b/c', 'v1', true, 'registry.example.com:443/a/b/c:v1'],
    ['127.0.0.1:5000/app:v1', '127.0.0.1:5000', '127.0.0.1:5000', 'app', 'v1', true, '127.0.0.1:5000/app:v1'],
    ['[::1]:5000/app:v1', '[::1]:5000', '[::1]:5000', 'app', 'v1', true, '[::1]:5000/app:v1'],
    ['docker://ghcr.io/o/i:t', 'ghcr.io', 'ghcr.io', 'o/i', 't', true, 'ghcr.io/o/i:t'],
    ['my-org/my__app.x--y:v1', 'docker.io', DOCKER_HUB_API_HOST, 'my-org/my__app.x--y', 'v1', true, 'docker.io/my-org/my__app.x--y:v1'],
    // "localhost:5000" alone has no "/": Docker reads it as the image localhost, tag 5000
    ['localhost:5000', 'docker.io', DOCKER_HUB_API_HOST, 'library/localhost', '5000', true, 'docker.io/library/localhost:5000'],
  ])('%s', (text, registry, apiHost, repository, tag, tagExplicit, canonical) => {
    const r = parseRegistryReference(text);
    expect(r).toMatchObject({ kind: 'registry', registry, apiHost, repository, tag, tagExplicit, digest: undefined });
    expect(r.toString()).toBe(canonical);
    expect(r.name).toBe(canonical.replace(/:[^:/]+$/, ''));
  });

  describe('digests', () => {
    it('accepts name@digest', () => {
      const r = parseRegistryReference(`alpine@${DIGEST}`);
      expect(r).toMatchObject({ repository: 'library/alpine', digest: DIGEST, tag: undefined, tagExplicit: false });
      expect(r.toString()).toBe(`docker.io/library/alpine@${DIGEST}`);
      expect(r.familiarString()).toBe(`alpine@${DIGEST}`);
    });

    it('accepts name:tag@digest, keeping both (the digest is what is fetched)', () => {
      const r = parseRegistryReference(`nginx:1.25@${DIGEST}`);
      expect(r).toMatchObject({ tag: '1.25', digest: DIGEST, tagExplicit: true });
      expect(r.toString()).toBe(`docker.io/library/nginx:1.25@${DIGEST}`);
    });

    it('accepts a registry with a port and a digest', () => {
      expect(parseRegistryReference(`localhost:5000/app@${DIGEST}`)).toMatchObject({ registry: 'localhost:5000', repository: 'app', digest: DIGEST });
    });
  });

  describe('familiarString', () => {
    it.each([
      ['alpine', 'alpine'],
      ['alpine:latest', 'alpine:latest'],
      ['docker.io/library/alpine:3', 'alpine:3'],
      ['docker.io/bitnami/redis', 'bitnami/redis'],
      ['docker.io/library/a/b:v1', 'library/a/b:v1'],
      ['ghcr.io/o/i:t', 'ghcr.io/o/i:t'],
      ['localhost:5000/app', 'localhost:5000/app'],
      // dropping docker.io/ here would turn my.org into a registry host
      ['docker.io/my.org/app:v1', 'docker.io/my.org/app:v1'],
      ['docker.io/localhost/app', 'docker.io/localhost/app'],
    ])('%s -> %s, which parses back equal', (text, familiar) => {
      const r = parseRegistryReference(text);
      expect(r.familiarString()).toBe(familiar);
      expect(parseRegistryReference(r.familiarString())).toEqual(r);
    });
  });

  it('round-trips toString: the canonical form is stable and only makes a defaulted tag explicit', () => {
    for (const text of ['alpine', 'ghcr.io/o/i:t', `nginx:1@${DIGEST}`, `alpine@${DIGEST}`, '[::1]:5000/app', 'docker.io/my.org/app']) {
      const r = parseRegistryReference(text);
      const again = parseRegistryReference(r.toString());
      expect(again.toString()).toBe(r.toString());
      expect({ ...again, tagExplicit: r.tagExplicit }).toEqual({ ...r });
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(parseRegistryReference('alpine'))).toBe(true);
  });

  describe('rejects', () => {
    it.each([
      ['Alpine', 'repository name "library/Alpine" must be lowercase'],
      ['MyOrg/app:v1', 'repository name "MyOrg/app" must be lowercase'],
      ['ghcr.io/Owner/App:v1', 'must be lowercase'],
      ['ghcr.io/', 'repository "" has an empty component'],
      ['ghcr.io//app', 'has an empty component'],
      ['a//b', 'has an empty component'],
      ['app/', 'has an empty component'],
      ['/app', 'has an empty component'],
      ['../app', 'registry host ".." is not valid'],
      ['o/../app', 'repository component ".." is not valid'],
      ['-app', 'repository component "-app" is not valid'],
      ['app_', 'repository component "app_" is not valid'],
      ['a___b', 'is not valid'],
      ['a\\b', 'is not valid'],
      ['my app', 'is not valid'],
      ['app:', 'the tag is empty'],
      ['app:..', 'tag ".." is not allowed'],
      ['app:-x', 'tag "-x" is not allowed'],
      ['app@', 'the digest after "@" is empty'],
      ['app@sha256:', 'nothing after "sha256:"'],
      ['app@sha256:abc', 'a sha256 digest has 64 hex characters'],
      [`app@SHA256:${'e'.repeat(64)}`, 'invalid algorithm "SHA256"'],
      [':v1', 'the image name is empty'],
      [`@${DIGEST}`, 'the image name is empty'],
      ['docker://', 'the image name is empty'],
      ['ex_ample.com/app', 'registry host "ex_ample.com" is not valid'],
      ['-bad.com/app', 'registry host "-bad.com" is not valid'],
      ['host.com:port/app', 'registry host "host.com:port" is not valid'],
      ['s3://b/app:v1', '"s3://" is not a registry reference'],
      ['DOCKER://alpine', 'schemes are lowercase: write "docker://"'],
      ['docker://docker://alpine', '"docker://" cannot appear here'],
      [`${'a'.repeat(256)}`, 'the image name is 256 characters long (at most 255)'],
    ])('%s', (text, fragment) => {
      expectInvalid(() => parseRegistryReference(text), text, fragment);
    });
  });
});
