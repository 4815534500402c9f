import { checkReferenceText } from './grammar.js';
import { failFor, quote, type Fail } from './reference-error.js';
import { readRegistryReference, type RegistryReference } from './registry-reference.js';
import { TRANSPORT_NAMES, isTransportName } from './scheme.js';

// The OCI image-spec grammar for `org.opencontainers.image.ref.name`, which
// is what an `oci:` tag is (containers/image validates it the same way).
const OCI_REF_COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const OCI_REF_NAME_PATTERN = new RegExp(`^${OCI_REF_COMPONENT}(?:/${OCI_REF_COMPONENT})*$`);

const make = {} as {
  LayoutReference: <K extends 'oci' | 'oci-archive'>(kind: K, path: string, tag: string | undefined) => LayoutReference<K>;
  DockerArchiveReference: (path: string, reference: RegistryReference | undefined) => DockerArchiveReference;
  DockerDaemonReference: (reference: RegistryReference) => DockerDaemonReference;
};

const PATH_ENDS_AT_COLON = 'the path ends at the first ":", so a path containing ":" cannot be written here';

/**
 * A layout on disk, named by a path and an optional ref name: an OCI image
 * layout directory (`oci:<dir>[:<tag>]`, kind `oci`) or a tar of one
 * (`oci-archive:<file>[:<tag>]`, kind `oci-archive`). The tag is the
 * layout's `org.opencontainers.image.ref.name`; without one, a source is the
 * layout's only image.
 *
 * @example
 * ```ts
 * const r = ref.parseTransportReference('oci:./layout:v1');
 * r.kind; // 'oci'
 * r.path; // './layout'
 * r.tag;  // 'v1'
 * ```
 */
export class LayoutReference<K extends 'oci' | 'oci-archive' = 'oci' | 'oci-archive'> {
  readonly kind: K;
  /** The layout directory, or the archive file. */
  readonly path: string;
  /** The ref name inside the layout, if one was given. */
  readonly tag: string | undefined;

  static {
    // Only parseTransportReference, having validated the parts, builds one.
    make.LayoutReference = (kind, path, tag) => new LayoutReference(kind, path, tag);
  }

  private constructor(kind: K, path: string, tag: string | undefined) {
    this.kind = kind;
    this.path = path;
    this.tag = tag;
    Object.freeze(this);
  }

  /**
   * `oci:<dir>[:<tag>]` or `oci-archive:<file>[:<tag>]`, as written.
   *
   * @example
   * ```ts
   * ref.parseTransportReference('oci-archive:image.tar:v1').toString(); // 'oci-archive:image.tar:v1'
   * ```
   */
  toString(): string {
    return formatPathAndTag(this.kind, this.path, this.tag);
  }
}

/** An OCI image layout directory: `oci:<dir>[:<tag>]`. */
export type OciLayoutReference = LayoutReference<'oci'>;
/** A tar of an OCI image layout: `oci-archive:<file>[:<tag>]`. */
export type OciArchiveReference = LayoutReference<'oci-archive'>;

/**
 * A `docker save` archive: `docker-archive:<file>[:<name:tag>]`. The name is
 * a Docker reference, normalised like a registry reference (a missing tag
 * is `latest`); it is the `RepoTags` entry to read or write. Digests are
 * refused: an archive names images by tag.
 *
 * @example
 * ```ts
 * const r = ref.parseTransportReference('docker-archive:app.tar:app:v1');
 * r.path;                 // 'app.tar'
 * r.reference?.toString(); // 'docker.io/library/app:v1'
 * ```
 */
export class DockerArchiveReference {
  readonly kind = 'docker-archive' as const;
  /** The archive file. */
  readonly path: string;
  /** The image inside the archive, if one was named. */
  readonly reference: RegistryReference | undefined;

  static {
    // Only parseTransportReference, having validated the parts, builds one.
    make.DockerArchiveReference = (path, reference) => new DockerArchiveReference(path, reference);
  }

  private constructor(path: string, reference: RegistryReference | undefined) {
    this.path = path;
    this.reference = reference;
    Object.freeze(this);
  }

  /**
   * `docker-archive:<file>[:<name:tag>]`, with the name in its familiar form.
   *
   * @example
   * ```ts
   * ref.parseTransportReference('docker-archive:a.tar:docker.io/library/app:v1').toString(); // 'docker-archive:a.tar:app:v1'
   * ```
   */
  toString(): string {
    return this.reference === undefined ? `${this.kind}:${this.path}` : `${this.kind}:${this.path}:${this.reference.familiarString()}`;
  }
}

/**
 * An image of the local Docker Engine: `docker-daemon:<name>:<tag>` or
 * `docker-daemon:<name>@<digest>`. As in skopeo, the tag is not optional
 * (write `:latest`), and a tag together with a digest is refused.
 *
 * @example
 * ```ts
 * ref.parseTransportReference('docker-daemon:app:v1').reference.familiarString(); // 'app:v1'
 * ```
 */
export class DockerDaemonReference {
  readonly kind = 'docker-daemon' as const;
  /** The image as the engine names it. */
  readonly reference: RegistryReference;

  static {
    // Only parseTransportReference, having validated the parts, builds one.
    make.DockerDaemonReference = (reference) => new DockerDaemonReference(reference);
  }

  private constructor(reference: RegistryReference) {
    this.reference = reference;
    Object.freeze(this);
  }

  /**
   * `docker-daemon:<name>:<tag>` with the name in its familiar form.
   *
   * @example
   * ```ts
   * ref.parseTransportReference('docker-daemon:docker.io/library/app:v1').toString(); // 'docker-daemon:app:v1'
   * ```
   */
  toString(): string {
    return `${this.kind}:${this.reference.familiarString()}`;
  }
}

/**
 * Any local image source or sink, discriminated by `kind`.
 *
 * @example
 * ```ts
 * const r: TransportReference = parseTransportReference('oci:./layout');
 * if (r.kind === 'oci') console.log(r.path);
 * ```
 */
export type TransportReference = OciLayoutReference | OciArchiveReference | DockerArchiveReference | DockerDaemonReference;

/**
 * The transport names {@link parseTransportReference} accepts before the first `:`.
 *
 * @example
 * ```ts
 * const kind: TransportName = parseTransportReference('oci-archive:a.tar').kind; // 'oci-archive'
 * ```
 */
export type TransportName = TransportReference['kind'];

/**
 * Parses a local transport reference, spelled as in skopeo:
 *
 * - `oci:<dir>[:<tag>]`: an OCI image layout directory; the tag follows the
 *   OCI ref-name grammar (alphanumerics separated by one of `-._:@+` or
 *   `--`, components joined by `/`).
 * - `oci-archive:<file>[:<tag>]`: a tar of an OCI image layout.
 * - `docker-archive:<file>[:<name:tag>]`: a `docker save` archive.
 * - `docker-daemon:<name>:<tag>` or `docker-daemon:<name>@<digest>`.
 *
 * As in containers/image, a path ends at the first `:`, so paths containing
 * `:` cannot be written. Paths are taken as given (spaces allowed), never
 * resolved here.
 *
 * @example
 * ```ts
 * import { parseTransportReference } from '@s3lo/core/ref';
 * parseTransportReference('oci:./out:v1');         // OciLayoutReference { path: './out', tag: 'v1' }
 * parseTransportReference('docker-daemon:app:v1'); // DockerDaemonReference
 * ```
 */
export function parseTransportReference(text: string): TransportReference {
  const transport = typeof text === 'string' ? text.slice(0, Math.max(0, text.indexOf(':'))) : '';
  const fail: Fail = failFor(`${isTransportName(transport) ? transport : 'transport'} reference`, text);
  checkReferenceText(text, fail);
  const body = text.slice(transport.length + 1);
  switch (transport) {
    case 'oci':
    case 'oci-archive': {
      const { path, rest } = splitPath(body, fail);
      if (rest === '') fail('the tag after the path is empty', `write ${transport}:<path> for no tag, or ${transport}:<path>:<tag>`);
      if (rest !== undefined && !OCI_REF_NAME_PATTERN.test(rest)) {
        fail(`tag ${quote(rest)} is not a valid OCI reference name (alphanumerics separated by one of -._:@+ or "--", components joined by "/"); ${PATH_ENDS_AT_COLON}`);
      }
      return make.LayoutReference(transport, path, rest);
    }
    case 'docker-archive': {
      const { path, rest } = splitPath(body, fail);
      if (rest === undefined) return make.DockerArchiveReference(path, undefined);
      if (rest === '') fail('the image name after the path is empty', 'write docker-archive:<file> or docker-archive:<file>:<name>:<tag>');
      const reference = readRegistryReference(rest, (problem, hint) => fail(`${problem} (${PATH_ENDS_AT_COLON})`, hint));
      if (reference.digest !== undefined) fail('a docker-archive names images by tag; digests are not supported');
      return make.DockerArchiveReference(path, reference);
    }
    case 'docker-daemon':
      return readDockerDaemonReference(body, fail);
    default:
      return fail(`it names no transport (expected ${TRANSPORT_NAMES.map((name) => `${name}:`).join(', ')})`);
  }
}

/**
 * A Docker Engine image from its name without the `docker-daemon:` prefix
 * (what `push` takes as a bare `name:tag`); `fail` reports against the text
 * the user wrote.
 */
export function readDockerDaemonReference(text: string, fail: Fail): DockerDaemonReference {
  return make.DockerDaemonReference(readDaemonReference(text, fail));
}

/**
 * The image of a `docker-daemon:` reference (without the prefix), with the
 * rules skopeo applies: a tag or a digest is required, not both, and
 * image IDs (`sha256:...`) are not names.
 */
function readDaemonReference(text: string, fail: Fail): RegistryReference {
  if (text === '') fail('the image name is empty', 'write docker-daemon:<name>:<tag>');
  if (/^sha256:/.test(text)) fail('image IDs are not supported; name the image as <name>:<tag>');
  const reference = readRegistryReference(text, fail);
  if (!reference.tagExplicit && reference.digest === undefined) {
    fail(`${quote(text)} has neither a tag nor a digest`, `write ${text}:latest for the latest tag`);
  }
  if (reference.tagExplicit && reference.digest !== undefined) {
    fail('a docker-daemon reference has a tag or a digest, not both');
  }
  return reference;
}

function splitPath(body: string, fail: Fail): { path: string; rest: string | undefined } {
  const colon = body.indexOf(':');
  const path = colon < 0 ? body : body.slice(0, colon);
  if (path === '') fail('the path is empty');
  // `oci://dir` is a URL habit; as a path `//dir` would silently mean `/dir`.
  if (path.startsWith('//')) fail(`the path ${quote(path)} starts with "//"`, 'a transport is written <transport>:<path> (no "//")');
  return { path, rest: colon < 0 ? undefined : body.slice(colon + 1) };
}

function formatPathAndTag(transport: string, path: string, tag: string | undefined): string {
  return tag === undefined ? `${transport}:${path}` : `${transport}:${path}:${tag}`;
}
