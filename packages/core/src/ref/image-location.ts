import { BucketImageReference } from './bucket-image-reference.js';
import { checkReferenceText } from './grammar.js';
import { failFor, type Fail } from './reference-error.js';
import { RegistryReference, readRegistryReference } from './registry-reference.js';
import { TRANSPORT_NAMES, isTransportName, schemeOf } from './scheme.js';
import { parseTransportReference, readDockerDaemonReference, type TransportReference } from './transport-references.js';

/**
 * Anything `copy`, `push` and `pull` read from or write to, discriminated by `kind`.
 *
 * @example
 * ```ts
 * const source: ImageLocation = parseImageLocation(argv[0]);
 * switch (source.kind) {
 *   case 'bucket-image': // source.bucket, source.image ...
 *   case 'registry':     // source.apiHost, source.repository ...
 * }
 * ```
 */
export type ImageLocation = BucketImageReference | RegistryReference | TransportReference;

/**
 * Options of {@link parseImageLocation}.
 *
 * @example
 * ```ts
 * const options: ParseImageLocationOptions = { bareNameIs: 'docker-daemon' };
 * parseImageLocation('app:v1', options).kind; // 'docker-daemon'
 * ```
 */
export interface ParseImageLocationOptions {
  /**
   * What a reference with no scheme and no transport prefix (`app:v1`)
   * names: a registry image (Docker's rules), or an image of the local
   * Docker Engine, as `s3lo push app:v1 ...` means.
   * @default 'registry'
   */
  bareNameIs?: 'registry' | 'docker-daemon';
}

// Other skopeo transports: users may try them; we say they are not supported
// (only as a hint, since `dir:v1` is also a valid Docker Hub image name).
const UNSUPPORTED_TRANSPORTS = ['dir', 'containers-storage', 'ostree', 'sif', 'tarball'];

/**
 * Parses a copy/push/pull source or destination of any kind. Precedence:
 *
 * 1. `<scheme>://...`: `docker://` is a registry reference; any other scheme
 *    is a bucket image reference (`s3://b/app:v1`), parsed by {@link parse}.
 * 2. `oci:`, `oci-archive:`, `docker-archive:`, `docker-daemon:` prefixes:
 *    a local transport ({@link parseTransportReference}). A Docker Hub image
 *    named like a transport (`oci:v1`) must be written in full
 *    (`docker.io/library/oci:v1` or `docker://oci:v1`).
 * 3. Anything else: a registry reference (`alpine`, `ghcr.io/o/app:v1`),
 *    or, with `bareNameIs: 'docker-daemon'`, a Docker Engine image.
 *
 * @example
 * ```ts
 * import { ref } from '@s3lo/core';
 * ref.parseImageLocation('s3://b/app:v1').kind;                                   // 'bucket-image'
 * ref.parseImageLocation('ghcr.io/o/app:v1').kind;                                // 'registry'
 * ref.parseImageLocation('oci:./layout').kind;                                    // 'oci'
 * ref.parseImageLocation('app:v1', { bareNameIs: 'docker-daemon' }).kind;         // 'docker-daemon'
 * ```
 */
export function parseImageLocation(text: string, options: ParseImageLocationOptions = {}): ImageLocation {
  const fail: Fail = failFor('image reference', text);
  checkReferenceText(text, fail);
  const scheme = schemeOf(text);
  if (scheme === 'docker') return RegistryReference.parse(text);
  if (scheme !== undefined) return BucketImageReference.parse(text);
  const transport = text.slice(0, text.indexOf(':'));
  if (isTransportName(transport)) return parseTransportReference(text);
  if (options.bareNameIs === 'docker-daemon') return readDockerDaemonReference(text, failFor('docker-daemon reference', text));
  const failRegistry = failFor('registry reference', text);
  const hint = registryHint(text, transport);
  return readRegistryReference(text, (problem, own) => failRegistry(problem, own ?? hint));
}

function registryHint(text: string, transport: string): string | undefined {
  if (UNSUPPORTED_TRANSPORTS.includes(transport)) {
    return `the ${transport}: transport is not supported; use ${TRANSPORT_NAMES.map((name) => `${name}:`).join(', ')}, docker:// or a bucket reference`;
  }
  if (/^(?:\.|\/|~)/.test(text)) return 'for a local directory write oci:<dir>[:<tag>], or local://<dir>/<image>:<tag> for a bucket directory';
  return undefined;
}
