// First-party packages keep historical scheme names (`gs` is Google Cloud
// Storage, `az` is Azure Blob), so their package names differ from the scheme.
const FIRST_PARTY: Readonly<Record<string, string>> = {
  s3: '@s3lo/backend-s3',
  gs: '@s3lo/backend-gcs',
  az: '@s3lo/backend-azure',
  local: '@s3lo/backend-local',
};

/**
 * The packages that could serve `scheme`, most likely first: the first-party
 * package for a built-in scheme, else `@s3lo/backend-<scheme>` and the
 * third-party convention `s3lo-backend-<scheme>`.
 */
export function suggestedBackendPackages(scheme: string): string[] {
  const firstParty = FIRST_PARTY[scheme];
  if (firstParty !== undefined) return [firstParty];
  return [`@s3lo/backend-${scheme}`, `s3lo-backend-${scheme}`];
}

const TRANSPORT_PACKAGES: Readonly<Record<string, string>> = {
  'oci-archive': '@s3lo/transport-archive',
  'docker-archive': '@s3lo/transport-archive',
  'docker-daemon': '@s3lo/transport-docker',
  registry: '@s3lo/transport-registry',
};

/** The package that serves a location kind (`oci-archive` -> `@s3lo/transport-archive`). */
export function suggestedTransportPackage(kind: string): string {
  return TRANSPORT_PACKAGES[kind] ?? `@s3lo/transport-${kind}`;
}

/**
 * First-party plugin packages that {@link suggestedBackendPackages} and
 * {@link suggestedTransportPackage} name but that are planned, not published:
 * no message may tell anyone to install them. A name leaves this set in the
 * release that publishes its package.
 */
const PLANNED: ReadonlySet<string> = new Set(['@s3lo/transport-docker', '@s3lo/transport-registry']);

/**
 * Whether a first-party package named by the suggestions is planned but not
 * published yet (`@s3lo/transport-docker` today), so a hint says "planned"
 * instead of "install".
 *
 * @example
 * isPlannedPackage('@s3lo/transport-docker'); // true
 * isPlannedPackage('@s3lo/backend-s3');  // false
 */
export function isPlannedPackage(name: string): boolean {
  return PLANNED.has(name);
}
