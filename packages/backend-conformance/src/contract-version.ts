import { STORAGE_CONTRACT_VERSION } from '@s3lo/core/storage';

/**
 * The storage contract version (`StorageBackend.contractVersion`) this release
 * of the suite tests. Each release tests exactly one; the release that moves
 * to a new contract version is a new minor (while the suite is 0.x) that also
 * raises its `@s3lo/core` peer range to the cores speaking that version.
 *
 * @example
 * ```ts
 * import { TESTED_CONTRACT_VERSION } from '@s3lo/backend-conformance';
 * import { STORAGE_CONTRACT_VERSION } from '@s3lo/core/storage';
 * console.log(TESTED_CONTRACT_VERSION === STORAGE_CONTRACT_VERSION); // true when the two match
 * ```
 */
export const TESTED_CONTRACT_VERSION = 1;

/**
 * Fails when the installed `@s3lo/core` speaks another storage contract than
 * the one this suite tests: its tests would then check rules the backend was
 * never asked to follow (or miss new ones).
 */
export function assertTestedContract(coreVersion: number = STORAGE_CONTRACT_VERSION): void {
  if (coreVersion === TESTED_CONTRACT_VERSION) return;
  throw new Error(
    `@s3lo/backend-conformance tests storage contract ${TESTED_CONTRACT_VERSION}, but the installed @s3lo/core speaks contract ${coreVersion}: ` +
      `install the @s3lo/backend-conformance release that tests contract ${coreVersion} (its README names the contract it tests)`,
  );
}
