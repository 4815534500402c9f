import type { Digest } from '../digest/digest.js';
import { DEFAULT_TAG, checkReferenceText, referenceDigestProblem, tagProblem } from './grammar.js';
import { failFor, quote, type Fail } from './reference-error.js';
import { schemeOf } from './scheme.js';

/**
 * Docker Hub as users and image names spell it.
 *
 * @example
 * ```ts
 * parseRegistryReference('alpine').registry === DOCKER_HUB; // true
 * ```
 */
export const DOCKER_HUB = 'docker.io';
/**
 * Where Docker Hub's registry API actually answers (the Go tool sent
 * requests to `docker.io` itself, Go lesson 9).
 *
 * @example
 * ```ts
 * parseRegistryReference('alpine').apiHost === DOCKER_HUB_API_HOST; // true
 * ```
 */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
// The host older clients wrote into names; Docker normalises it to docker.io.
const LEGACY_DOCKER_HUB = 'index.docker.io';
const DOCKER_SCHEME = 'docker://';

let construct: (registry: string, repository: string, tag: string | undefined, digest: Digest | undefined) => RegistryReference;

// distribution/reference's grammar. A registry host: DNS-like components or
// a bracketed IPv6 address, optional port.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const REGISTRY_PATTERN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
// A repository path component: lowercase alphanumerics separated by ".", "_", "__" or dashes.
const REPOSITORY_COMPONENT_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
// Docker's cap on a name, registry included.
const MAX_NAME_LENGTH = 255;

/**
 * An image in an OCI/Docker registry, normalised by Docker's rules:
 * `alpine` is `docker.io/library/alpine:latest`, `ghcr.io/o/i:t` is itself,
 * `localhost:5000/app:dev` names a local registry.
 *
 * A reference may carry both a tag and a digest (`nginx:1.25@sha256:...`,
 * common in pinned manifests): as in Docker, the digest is what is fetched
 * and the tag is informational. Otherwise exactly one of them is defined.
 *
 * @example
 * ```ts
 * import { ref } from '@s3lo/core';
 * const r = ref.parseRegistryReference('alpine');
 * r.registry;   // 'docker.io'
 * r.apiHost;    // 'registry-1.docker.io'
 * r.repository; // 'library/alpine'
 * r.toString(); // 'docker.io/library/alpine:latest'
 * ```
 */
export class RegistryReference {
  readonly kind = 'registry' as const;
  /** The registry as named: `docker.io`, `ghcr.io`, `localhost:5000`. */
  readonly registry: string;
  /** The host to send API requests to: `registry-1.docker.io` for Docker Hub, else {@link registry}. */
  readonly apiHost: string;
  /** The repository path in the registry: `library/alpine`, `org/app`. */
  readonly repository: string;
  /** The tag; `latest` when neither tag nor digest was written; undefined for a digest-only reference. */
  readonly tag: string | undefined;
  /** The digest of a `name@digest` reference, else undefined. */
  readonly digest: Digest | undefined;
  /** False when the tag is the default `latest` (nothing was written). */
  readonly tagExplicit: boolean;

  private constructor(registry: string, repository: string, tag: string | undefined, digest: Digest | undefined) {
    this.registry = registry;
    this.apiHost = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
    this.repository = repository;
    this.tagExplicit = tag !== undefined;
    this.tag = tag ?? (digest === undefined ? DEFAULT_TAG : undefined);
    this.digest = digest;
    Object.freeze(this);
  }

  /**
   * Parses a registry reference; see {@link parseRegistryReference}.
   *
   * @example
   * ```ts
   * RegistryReference.parse('ghcr.io/o/app:v1').registry; // 'ghcr.io'
   * ```
   */
  static parse(text: string): RegistryReference {
    const fail: Fail = failFor('registry reference', text);
    checkReferenceText(text, fail);
    return readRegistryReference(text.startsWith(DOCKER_SCHEME) ? text.slice(DOCKER_SCHEME.length) : text, fail);
  }

  static {
    // The one way to build a reference outside parse(): for readRegistryReference, which validates every part first.
    construct = (...parts) => new RegistryReference(...parts);
  }

  /**
   * `registry/repository` without tag or digest: `docker.io/library/alpine`.
   *
   * @example
   * ```ts
   * ref.parseRegistryReference('alpine:3').name; // 'docker.io/library/alpine'
   * ```
   */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /**
   * The canonical, fully qualified form, always with a tag or digest:
   * `docker.io/library/alpine:latest`. Parsing it gives back an equal
   * reference, except that a defaulted tag has become explicit.
   *
   * @example
   * ```ts
   * ref.parseRegistryReference('alpine').toString(); // 'docker.io/library/alpine:latest'
   * ```
   */
  toString(): string {
    return `${this.name}${this.tag === undefined ? '' : `:${this.tag}`}${this.digest === undefined ? '' : `@${this.digest}`}`;
  }

  /**
   * The short form Docker prints: no `docker.io/`, no `library/`, and the
   * tag only if it was written. `parseRegistryReference(r.familiarString())`
   * equals `r` exactly.
   *
   * @example
   * ```ts
   * ref.parseRegistryReference('docker.io/library/alpine:3').familiarString(); // 'alpine:3'
   * ```
   */
  familiarString(): string {
    const tag = this.tagExplicit ? `:${this.tag}` : '';
    return `${familiarName(this.registry, this.repository)}${tag}${this.digest === undefined ? '' : `@${this.digest}`}`;
  }
}

function familiarName(registry: string, repository: string): string {
  // Dropping `docker.io/` is only safe when the first component would not
  // then be read as a registry host (`docker.io/my.org/app`).
  if (registry !== DOCKER_HUB || looksLikeRegistry(repository.slice(0, repository.indexOf('/')))) return `${registry}/${repository}`;
  const rest = repository.slice('library/'.length);
  return repository.startsWith('library/') && !rest.includes('/') ? rest : repository;
}

// Docker's rule for "is the first component a registry host?".
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

/**
 * Reads `[registry/]repository[:tag][@digest]` (no `docker://`), reporting
 * problems through `fail` so a transport can wrap it with its own input.
 */
export function readRegistryReference(text: string, fail: Fail): RegistryReference {
  const scheme = schemeOf(text);
  if (scheme !== undefined) {
    if (scheme === 'docker') fail('"docker://" cannot appear here; write the image name alone');
    if (scheme.toLowerCase() === 'docker') fail('schemes are lowercase: write "docker://"');
    fail(`"${scheme}://" is not a registry reference (write [registry/]repository[:tag][@digest], optionally after docker://)`);
  }
  if (text === '') fail('the image name is empty');
  const at = text.indexOf('@');
  const named = at < 0 ? text : text.slice(0, at);
  const digest = at < 0 ? undefined : text.slice(at + 1);
  // A tag's colon comes after the last "/"; an earlier one is a registry port.
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;

  if (name === '') fail('the image name is empty');
  if (name.length > MAX_NAME_LENGTH) fail(`the image name is ${name.length} characters long (at most ${MAX_NAME_LENGTH})`);
  const slash = name.indexOf('/');
  const first = name.slice(0, slash);
  let registry = DOCKER_HUB;
  let repository = name;
  if (slash >= 0 && looksLikeRegistry(first)) {
    if (!REGISTRY_PATTERN.test(first)) fail(`registry host ${quote(first)} is not valid (host names, IPv4 or [IPv6] addresses, optional :port)`);
    registry = first === LEGACY_DOCKER_HUB ? DOCKER_HUB : first;
    repository = name.slice(slash + 1);
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  for (const component of repository.split('/')) {
    if (component === '') fail(`repository ${quote(repository)} has an empty component`);
    if (REPOSITORY_COMPONENT_PATTERN.test(component)) continue;
    if (REPOSITORY_COMPONENT_PATTERN.test(component.toLowerCase())) {
      fail(`repository name ${quote(repository)} must be lowercase`);
    }
    fail(`repository component ${quote(component)} is not valid (lowercase letters and digits, separated by ".", "_", "__" or "-")`);
  }
  const problem = (tag === undefined ? undefined : tagProblem(tag)) ?? (digest === undefined ? undefined : referenceDigestProblem(digest));
  if (problem !== undefined) fail(problem);
  return construct(registry, repository, tag, digest as Digest | undefined);
}
