import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';

/** Throws INVALID_REFERENCE for the input a parser was given; `problem` says what is wrong with it. */
export type Fail = (problem: string, hint?: string) => never;

/**
 * A {@link Fail} bound to one input, so every rejection names the text the
 * user typed (`invalid reference "s3://b/app:..": tag ".." is not allowed`).
 */
export function failFor(what: string, input: unknown): Fail {
  return (problem, hint) => {
    throw new S3loError(ErrorCode.INVALID_REFERENCE, `invalid ${what} ${showInput(input)}: ${problem}`, {
      details: { reference: typeof input === 'string' ? truncate(input) : input },
      hint,
    });
  };
}

/**
 * Quotes a piece of user input for a message. JSON quoting makes control
 * characters, unpaired surrogates and trailing spaces visible, and the cut
 * keeps a 10 KB paste from flooding the terminal.
 */
export function quote(value: string): string {
  return JSON.stringify(truncate(value));
}

function showInput(input: unknown): string {
  return typeof input === 'string' ? quote(input) : `(a ${input === null ? 'null' : typeof input})`;
}

function truncate(value: string): string {
  return value.length > 200 ? `${value.slice(0, 197)}...` : value;
}
