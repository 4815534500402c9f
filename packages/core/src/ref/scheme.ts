import { quote, type Fail } from './reference-error.js';

/**
 * The schemes of s3lo's first-party backends: `s3` (`@s3lo/backend-s3`),
 * `local` (`@s3lo/backend-local`), `gs` (`@s3lo/backend-gcs`) and `az`
 * (`@s3lo/backend-azure`). Others are accepted by the
 * parsers (a plugin may serve them); an unregistered scheme fails in
 * `resolveBackend`, which names the package to install.
 *
 * @example
 * ```ts
 * BUILTIN_SCHEMES.includes('s3'); // true
 * ```
 */
export const BUILTIN_SCHEMES = ['s3', 'gs', 'az', 'local'] as const;

/** Same rule as the plugin registry, so every scheme we parse is one a plugin may declare. */
const SCHEME_PATTERN = /^[a-z][a-z0-9+.-]*$/;

/** The transports of {@link parseTransportReference}, which users may mistype as `oci://...`. */
export const TRANSPORT_NAMES = ['oci', 'oci-archive', 'docker-archive', 'docker-daemon'] as const;

/** True when `name` is one of {@link TRANSPORT_NAMES}. */
export function isTransportName(name: string): name is (typeof TRANSPORT_NAMES)[number] {
  return (TRANSPORT_NAMES as readonly string[]).includes(name);
}

/**
 * The scheme of a `<scheme>://...` text in any case (so `S3://` can be told
 * apart from a name and corrected), or undefined when there is none.
 */
export function schemeOf(text: string): string | undefined {
  return /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1];
}

/**
 * Schemes that look like bucket schemes but are not. Each gets the spelling
 * the user most likely meant instead of an UNKNOWN_SCHEME later.
 */
function reservedSchemeProblem(scheme: string): [problem: string, hint: string] | undefined {
  switch (scheme) {
    case 'docker':
      return ['"docker://" names a registry image, not a bucket image', 'bucket references look like s3://<bucket>/<image>:<tag>; docker:// references are copy sources and destinations'];
    case 'http':
    case 'https':
      return [
        `"${scheme}://" is a URL, not a bucket reference`,
        'write s3://<bucket>/<image>:<tag> and set an S3-compatible endpoint in the backend settings (e.g. AWS_ENDPOINT_URL); for a registry image drop the scheme or use docker://',
      ];
    case 'file':
      return ['"file://" is not a bucket scheme', 'a directory store is written local://<dir>/<image>:<tag>'];
    default:
      if (isTransportName(scheme)) {
        return [`"${scheme}://" is not a bucket scheme`, `the ${scheme} transport is written ${scheme}:<path> (no "//")`];
      }
      return undefined;
  }
}

/**
 * Checks the scheme of a bucket reference (image or bucket level) and fails
 * with a message saying what to write instead.
 */
export function checkBucketScheme(scheme: string, fail: Fail): void {
  if (scheme === '') fail('the scheme before "://" is empty', 'write s3://, gs://, az:// or local://');
  if (!SCHEME_PATTERN.test(scheme)) {
    const lower = scheme.toLowerCase();
    if (lower !== scheme && SCHEME_PATTERN.test(lower)) fail(`schemes are lowercase: write "${lower}://"`);
    fail(`scheme ${quote(scheme)} is not valid (a letter, then letters, digits, "+", "." or "-", all lowercase)`);
  }
  const reserved = reservedSchemeProblem(scheme);
  if (reserved !== undefined) fail(...reserved);
}
