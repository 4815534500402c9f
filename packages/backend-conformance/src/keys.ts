/** Ascending UTF-8 byte order, the order every listing must use (not UTF-16 string order). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Keys sorted in UTF-8 byte order. */
export function sortKeys(keys: Iterable<string>): string[] {
  return [...keys].sort(compareKeys);
}

/** What a complete listing of `keys` must yield, computed the way S3 defines it. */
export function expectedListing(
  keys: Iterable<string>,
  options: { prefix?: string | undefined; delimiter?: string | undefined } = {},
): { objects: string[]; commonPrefixes: string[]; entries: string[] } {
  const prefix = options.prefix ?? '';
  const delimiter = options.delimiter === '' ? undefined : options.delimiter;
  const objects: string[] = [];
  const commonPrefixes = new Set<string>();
  for (const key of sortKeys(keys)) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    if (at >= 0 && delimiter !== undefined) commonPrefixes.add(key.slice(0, at + delimiter.length));
    else objects.push(key);
  }
  const prefixes = [...commonPrefixes];
  return { objects, commonPrefixes: prefixes, entries: sortKeys([...objects, ...prefixes]) };
}

/**
 * Keys that must round trip unchanged: characters URL encoders, signers and
 * path joiners tend to get wrong, and non-ASCII text.
 */
export const AWKWARD_KEYS: readonly string[] = [
  'awkward/with space',
  'awkward/ leading and trailing space ',
  'awkward/plus+sign',
  'awkward/percent%25and%2Fencoded',
  'awkward/hash#fragment',
  'awkward/question?x=1',
  'awkward/equals=and&ampersand',
  "awkward/tilde~bang!dollar$quote'paren()star*comma,semi;colon:at@brackets[]",
  'awkward/.leading-dot',
  'awkward/dots...',
  'awkward/caf\u00e9',
  'awkward/\u65e5\u672c/\u8a9e',
  'awkward/emoji-\u{1F600}',
  'awkward/\uFFFD-replacement',
];

/** Keys every backend must refuse with INVALID_KEY, each with why. */
export const INVALID_KEYS: readonly (readonly [key: string, why: string])[] = [
  ['../x', 'parent component'],
  ['a/../b', 'parent component in the middle'],
  ['a/..', 'trailing parent component'],
  ['..', 'bare parent component'],
  ['/abs', 'absolute'],
  ['a//b', 'empty component'],
  ['trailing/', 'trailing slash'],
  ['a/./b', 'dot component'],
  ['.', 'bare dot'],
  ['', 'empty'],
  ['a\\b', 'backslash'],
  ['ctl\u0001char', 'control character'],
  ['x'.repeat(1025), 'longer than 1024 bytes'],
];

/** Listing prefixes every backend must refuse with INVALID_KEY. */
export const INVALID_PREFIXES: readonly string[] = ['../', '/abs', 'a//b', 'a\\b', 'a/./', '..'];
