import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';

/**
 * The fields of a continuation token beyond the ones {@link encodeListToken}
 * adds (`v`, `p`, `d`): short names, string or number values.
 */
export type ListTokenFields = Readonly<Record<string, string | number>>;

/**
 * A continuation token carrying `fields`, bound to the listing's prefix and
 * delimiter (base64url JSON): {@link decodeListToken} refuses it for any
 * other listing, so a token cannot resume a listing it was not issued for.
 *
 * @example
 * ```ts
 * const nextToken = encodeListToken({ a: lastKey }, prefix, delimiter);
 * ```
 */
export function encodeListToken(fields: ListTokenFields, prefix: string, delimiter: string | undefined): string {
  const body = { v: 1, p: prefix, d: delimiter ?? null, ...fields };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The fields of a token made by {@link encodeListToken} for this prefix and
 * delimiter (their values still to be checked by the backend, with
 * {@link invalidListToken} for the ones it refuses). INVALID_ARGUMENT for
 * anything else.
 *
 * @example
 * ```ts
 * const { a } = decodeListToken(token, prefix, delimiter);
 * if (typeof a !== 'string') throw invalidListToken(token, 'malformed');
 * ```
 */
export function decodeListToken(token: string, prefix: string, delimiter: string | undefined): Readonly<Record<string, unknown>> {
  if (typeof token !== 'string' || token === '' || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidListToken(token, 'not a token');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidListToken(token, 'not a token');
  }
  if (typeof body !== 'object' || body === null) throw invalidListToken(token, 'not a token');
  const { v, p, d, ...fields } = body as Record<string, unknown>;
  if (v !== 1) throw invalidListToken(token, 'unknown version');
  if (p !== prefix || d !== (delimiter ?? null)) throw invalidListToken(token, 'issued for another prefix or delimiter');
  return fields;
}

/**
 * The INVALID_ARGUMENT error for a continuation token the backend did not
 * issue for this listing, saying `why`.
 *
 * @example
 * ```ts
 * throw invalidListToken(token, 'malformed');
 * ```
 */
export function invalidListToken(token: string, why: string): S3loError {
  const shown = typeof token === 'string' && token.length > 40 ? `${token.slice(0, 37)}...` : token;
  return new S3loError(ErrorCode.INVALID_ARGUMENT, `continuation token ${JSON.stringify(shown)} was not issued by this backend for this listing (${why})`, {
    hint: 'pass the nextToken of the previous page of the same listing',
  });
}

/**
 * Compares keys in UTF-8 byte order, the order of the contract's listings
 * (and of S3's), which differs from JavaScript's UTF-16 order.
 *
 * @example
 * ```ts
 * keys.sort(compareKeys);
 * ```
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Where the next page of a listing starts, for a backend that pages with the
 * store's own continuation token and sometimes by itself: `token`, the
 * store's token, or `after`, the last entry returned (when the backend cut a
 * page short or lists client-side). Exactly one is set.
 */
export interface ListCursor {
  readonly token?: string;
  readonly after?: string;
}

/**
 * A list token (see {@link encodeListToken}) carrying a {@link ListCursor}:
 * field `t` the store's token, `a` the last entry returned.
 *
 * @example
 * const next = encodeListCursor({ token: storeToken }, prefix, delimiter);
 */
export function encodeListCursor(cursor: ListCursor, prefix: string, delimiter: string | undefined): string {
  return encodeListToken({ ...(cursor.token === undefined ? {} : { t: cursor.token }), ...(cursor.after === undefined ? {} : { a: cursor.after }) }, prefix, delimiter);
}

/**
 * The {@link ListCursor} of a token {@link encodeListCursor} issued for this
 * listing; INVALID_ARGUMENT for any other token (another prefix or
 * delimiter, both or neither field, an empty or non-string field).
 *
 * @example
 * const cursor = decodeListCursor(options.continuationToken, prefix, delimiter);
 * if (cursor.token !== undefined) request.ContinuationToken = cursor.token;
 */
export function decodeListCursor(token: string, prefix: string, delimiter: string | undefined): ListCursor {
  const { t, a } = decodeListToken(token, prefix, delimiter);
  if ((t === undefined) === (a === undefined)) throw invalidListToken(token, 'malformed');
  if (t !== undefined && (typeof t !== 'string' || t === '')) throw invalidListToken(token, 'malformed');
  if (a !== undefined && (typeof a !== 'string' || a === '')) throw invalidListToken(token, 'malformed');
  return t === undefined ? { after: a as string } : { token: t as string };
}
