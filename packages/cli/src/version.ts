// Replaced at build time by tsup (`define`) with the version in package.json,
// so the single-file bundle knows it without a package.json beside it.
declare const __S3LO_VERSION__: string | undefined;

/** This CLI's version. */
export const VERSION: string = typeof __S3LO_VERSION__ === 'string' ? __S3LO_VERSION__ : '0.0.0-dev';
