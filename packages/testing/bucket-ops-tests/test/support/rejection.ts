import { S3loError } from '@s3lo/core';

/** The S3loError `promise` rejects with; anything else (or no rejection) fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<S3loError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!S3loError.isInstance(error)) throw new Error(`expected an S3loError, got ${String(error)}`);
  return error;
}
