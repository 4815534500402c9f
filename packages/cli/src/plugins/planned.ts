/** Where the published packages are listed, for hints about plugins that are planned, not published (see isPlannedPackage in @s3lo/core). */
export const PACKAGES_URL = 'https://github.com/s3lo-ts/s3lo#packages';
