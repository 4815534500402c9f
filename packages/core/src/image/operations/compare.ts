// Listings and results are in UTF-8 byte order, as object stores list keys.
// JS string order (UTF-16 code units) agrees with it except where astral
// characters (surrogates) meet U+E000..U+FFFF, so only those go through Buffer.
const SURROGATE = /[\uD800-\uDFFF]/;

/** Compares two strings in UTF-8 byte order (for `Array.prototype.sort`). */
export function compareUtf8(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
