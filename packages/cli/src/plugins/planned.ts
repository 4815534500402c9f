/**
 * First-party plugin packages that `@s3lo/core` names for a scheme or
 * location kind (its `details.packages` of UNKNOWN_SCHEME) but that are
 * planned, not published: the CLI must not tell anyone to install them.
 * Remove a name here in the release that publishes its package.
 */
export const PLANNED_PACKAGES: ReadonlySet<string> = new Set(['@s3lo/backend-gcs', '@s3lo/backend-azure', '@s3lo/transport-docker', '@s3lo/transport-registry']);

/** Where the published packages are listed. */
export const PACKAGES_URL = 'https://github.com/s3lo-ts/s3lo#packages';
