import { REFERENCE_DIGEST_PATTERN } from '../digest/digest.js';
import { quote, type Fail } from './reference-error.js';

/**
 * The tag a bucket or registry reference gets when it names none.
 *
 * @example
 * ```ts
 * parse('s3://b/app').tag === DEFAULT_TAG; // true
 * ```
 */
export const DEFAULT_TAG = 'latest';

/**
 * The longest reference any parser accepts. Real references are far
 * shorter; the cap keeps a pasted file or a hostile input from reaching the
 * splitting code at all.
 *
 * @example
 * ```ts
 * parse('s3://b/' + 'a'.repeat(MAX_REFERENCE_LENGTH)); // throws INVALID_REFERENCE
 * ```
 */
export const MAX_REFERENCE_LENGTH = 4096;

/**
 * The longest image name in a bucket reference. Registries cap whole names
 * at 255 characters (Docker's limit), so a longer name could never be copied
 * to one, and it keeps `manifests/<image>/<tag>/manifest.json` well inside
 * S3's 1024-byte key limit.
 *
 * @example
 * ```ts
 * isValidImageName('a'.repeat(MAX_IMAGE_NAME_LENGTH + 1)); // false
 * ```
 */
export const MAX_IMAGE_NAME_LENGTH = 255;

/**
 * Docker's tag grammar: 1 to 128 of `[A-Za-z0-9_.-]`, not starting with `.`
 * or `-`. A tag becomes one key component, so this is also what keeps `.`,
 * `..`, `/` and `\` out of keys (Go lesson 1: a tag of `..` wiped a store).
 *
 * @example
 * ```ts
 * TAG_PATTERN.test('v1.0'); // true
 * TAG_PATTERN.test('..');   // false
 * ```
 */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

// Image components use the tag alphabet (without its length cap): every
// component becomes a key component and a directory of a local store.
const IMAGE_COMPONENT_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

// Algorithms whose hex length is fixed. The reference grammar allows 32-128
// hex characters for any algorithm; a sha256 digest of another length can
// only be a typo, and saying so beats a NOT_FOUND later.
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

const TAG_RULE = 'a tag is 1-128 of [A-Za-z0-9_.-], not starting with "." or "-"';
const COMPONENT_RULE = 'components are [A-Za-z0-9_.-], not starting with "." or "-"';

/**
 * True when `tag` is a valid tag (see {@link TAG_PATTERN}).
 *
 * @example
 * ```ts
 * isValidTag('v1.2.3'); // true
 * isValidTag('..');     // false
 * ```
 */
export function isValidTag(tag: unknown): tag is string {
  return typeof tag === 'string' && TAG_PATTERN.test(tag);
}

/**
 * True when `name` is a valid image name of a bucket reference: 1-255
 * characters, `/`-separated components of `[A-Za-z0-9_.-]` that do not start
 * with `.` or `-` (so never empty, `.` or `..`).
 *
 * @example
 * ```ts
 * isValidImageName('team/app'); // true
 * isValidImageName('../app');   // false
 * ```
 */
export function isValidImageName(name: unknown): name is string {
  return typeof name === 'string' && imageNameProblem(name) === undefined;
}

/** What is wrong with a tag, or undefined when it is valid. */
export function tagProblem(tag: string): string | undefined {
  if (TAG_PATTERN.test(tag)) return undefined;
  if (tag === '') return 'the tag is empty (write the tag after ":", or leave out the ":")';
  if (tag.length > 128) return `the tag is ${tag.length} characters long (${TAG_RULE})`;
  return `tag ${quote(tag)} is not allowed (${TAG_RULE})`;
}

/**
 * What is wrong with an image name (or, with `what`, an image-name filter),
 * or undefined when it is valid.
 */
export function imageNameProblem(name: string, what = 'image name'): string | undefined {
  if (name === '') return `the ${what} is empty`;
  if (name.length > MAX_IMAGE_NAME_LENGTH) {
    return `the ${what} is ${name.length} characters long (at most ${MAX_IMAGE_NAME_LENGTH})`;
  }
  if (name.startsWith('/')) return `${what} ${quote(name)} must not start with "/" (names are relative to the bucket)`;
  if (name.endsWith('/')) return `${what} ${quote(name)} must not end with "/"`;
  for (const component of name.split('/')) {
    if (component === '') return `${what} ${quote(name)} has an empty component ("//")`;
    if (component === '.' || component === '..') {
      return `${what} ${quote(name)} contains a "${component}" component (a reference never leaves its bucket)`;
    }
    if (component.includes('\\')) return `${what} ${quote(name)} contains "\\" (components are separated by "/")`;
    if (!IMAGE_COMPONENT_PATTERN.test(component)) {
      return `${what} component ${quote(component)} is not allowed (${COMPONENT_RULE})`;
    }
  }
  return undefined;
}

/**
 * What is wrong with the digest of a `name@digest` reference, or undefined
 * when it matches {@link REFERENCE_DIGEST_PATTERN} (and, for sha256 and
 * sha512, has the length that algorithm produces).
 */
export function referenceDigestProblem(digest: string): string | undefined {
  if (digest === '') return 'the digest after "@" is empty';
  const colon = digest.indexOf(':');
  const expected = 'expected <algorithm>:<hex>, e.g. "sha256:" and 64 hex characters';
  if (colon < 0) return `digest ${quote(digest)} has no algorithm (${expected})`;
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/.test(algorithm)) {
    return `digest ${quote(digest)} has an invalid algorithm ${quote(algorithm)} (lowercase letters and digits, e.g. "sha256")`;
  }
  if (hex === '') return `digest ${quote(digest)} has nothing after "${algorithm}:" (${expected})`;
  if (!/^[a-fA-F0-9]+$/.test(hex)) return `digest ${quote(digest)} is not hex after "${algorithm}:" (0-9, a-f)`;
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length !== undefined && hex.length !== length) {
    return `digest ${quote(digest)}: a ${algorithm} digest has ${length} hex characters, this one has ${hex.length}`;
  }
  if (!REFERENCE_DIGEST_PATTERN.test(digest)) {
    return `digest ${quote(digest)} has ${hex.length} hex characters (a digest has 32 to 128)`;
  }
  return undefined;
}

// C0/C1 controls, and the invisible format characters (zero-width, bidi
// overrides, BOM) that would make a reference read differently from what it
// is. None of them belongs in a bucket, an image name, a host or a path.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const HIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

/**
 * The checks every kind of reference gets before it is split: a string, at
 * most {@link MAX_REFERENCE_LENGTH} characters, valid Unicode, no control or
 * invisible characters, no surrounding whitespace.
 */
export function checkReferenceText(input: unknown, fail: Fail): asserts input is string {
  if (typeof input !== 'string') fail(`a reference must be a string, got ${input === null ? 'null' : typeof input}`);
  if (input === '') fail('the reference is empty');
  if (input.length > MAX_REFERENCE_LENGTH) {
    fail(`a reference is at most ${MAX_REFERENCE_LENGTH} characters, this one has ${input.length}`);
  }
  if (!input.isWellFormed()) fail('it contains an unpaired surrogate (not valid Unicode)');
  const hidden = HIDDEN_CHARACTER.exec(input);
  if (hidden !== null) {
    const code = hidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    fail(`it contains the control or invisible character U+${code} at position ${hidden.index}`);
  }
  if (input.trim() !== input) fail('it has leading or trailing whitespace');
}
