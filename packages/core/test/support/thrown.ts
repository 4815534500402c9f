import { S3loError } from '../../src/errors/index.js';

/**
 * The S3loError `fn` throws. Anything else thrown (a TypeError from a crash)
 * is rethrown so the test fails on it.
 */
export function thrown(fn: () => unknown): S3loError {
  try {
    fn();
  } catch (error) {
    if (S3loError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an S3loError, nothing was thrown');
}

/** Like {@link thrown} for a promise: the S3loError it rejects with. */
export async function rejected(promise: Promise<unknown>): Promise<S3loError> {
  try {
    await promise;
  } catch (error) {
    if (S3loError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an S3loError rejection, the promise resolved');
}
