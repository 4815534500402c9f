import { expect } from 'vitest';
import { S3loError } from '../../src/errors/index.js';

/**
 * Asserts that `run` throws INVALID_REFERENCE whose message quotes `input`
 * (JSON-quoted, as the parsers show it) and contains each of `fragments`.
 */
export function expectInvalid(run: () => unknown, input: string, ...fragments: string[]): S3loError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${JSON.stringify(input)} to be rejected`).toBeDefined();
  expect(S3loError.isInstance(thrown, 'INVALID_REFERENCE'), String(thrown)).toBe(true);
  const error = thrown as S3loError;
  const shown = input.length > 200 ? JSON.stringify(input.slice(0, 197)).slice(0, -1) : JSON.stringify(input);
  expect(error.message).toContain(shown);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}
