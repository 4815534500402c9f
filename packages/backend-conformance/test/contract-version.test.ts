import { describe, expect, it } from 'vitest';
import { STORAGE_CONTRACT_VERSION } from '@s3lo/core/storage';
import { TESTED_CONTRACT_VERSION, assertTestedContract } from '../src/index.js';

describe('the contract version the suite tests', () => {
  // A change of core's STORAGE_CONTRACT_VERSION fails here until the suite is
  // moved to the new contract (and released as a new minor): the two move together.
  it('is the contract version of the @s3lo/core it is built with', () => {
    expect(TESTED_CONTRACT_VERSION).toBe(STORAGE_CONTRACT_VERSION);
    expect(() => assertTestedContract()).not.toThrow();
  });

  it('refuses a core speaking another contract, naming both versions', () => {
    expect(() => assertTestedContract(TESTED_CONTRACT_VERSION + 1)).toThrow(
      `tests storage contract ${TESTED_CONTRACT_VERSION}, but the installed @s3lo/core speaks contract ${TESTED_CONTRACT_VERSION + 1}`,
    );
  });
});
