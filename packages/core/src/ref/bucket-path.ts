import { checkReferenceText } from './grammar.js';
import { quote, type Fail } from './reference-error.js';
import { checkBucketScheme } from './scheme.js';

/**
 * What follows `<scheme>://` cut in two: the bucket and what comes after it
 * (the image part or the name filter); `remainder` is undefined when nothing
 * followed the bucket, not even a `/`.
 */
export interface BucketSplit {
  bucket: string;
  remainder: string | undefined;
}

/**
 * THE splitting rule, shared by image references and bucket-level references
 * so the two can never disagree about where a bucket ends (Go lesson 10).
 *
 * - Every scheme but `local`: the bucket is the text before the first `/`.
 * - `local`, when the text contains `//`: the bucket directory is the text
 *   before the first `//`, the rest follows it
 *   (`/var/lib/s3lo//team/app:v1` -> `/var/lib/s3lo` + `team/app:v1`).
 * - `local` otherwise (the Go tool's rule): a leading `./`, `../` or `/`,
 *   plus exactly one path component (`./store/app` -> `./store` + `app`).
 */
export function splitBucketPath(scheme: string, rest: string): BucketSplit {
  if (scheme === 'local') {
    const separator = rest.indexOf('//');
    if (separator >= 0) return { bucket: rest.slice(0, separator), remainder: rest.slice(separator + 2) };
    const lead = /^(?:\.\.?\/|\/)/.exec(rest)?.[0] ?? '';
    return cutAt(rest, rest.indexOf('/', lead.length));
  }
  return cutAt(rest, rest.indexOf('/'));
}

function cutAt(rest: string, slash: number): BucketSplit {
  return slash < 0 ? { bucket: rest, remainder: undefined } : { bucket: rest.slice(0, slash), remainder: rest.slice(slash + 1) };
}

/**
 * The inverse of {@link splitBucketPath}: `<scheme>://<bucket>/<rest>`, or,
 * for a local directory the Go rule would split elsewhere, the `//` form.
 * Go-compatible spellings stay Go-compatible, so the Go tool reads what we
 * print whenever it can.
 */
export function formatBucketPath(scheme: string, bucket: string, rest: string): string {
  const plain = rest === '' ? bucket : `${bucket}/${rest}`;
  if (scheme !== 'local' || splitBucketPath(scheme, plain).bucket === bucket) return `${scheme}://${plain}`;
  return `${scheme}://${bucket}//${rest}`;
}

/**
 * Reads `<scheme>://<bucket>[/<remainder>]` of a bucket image or bucket-level
 * reference, checked up to the end of the bucket; `shape` is the form quoted
 * when the scheme is missing.
 */
export function readBucketReference(text: string, fail: Fail, shape: string): BucketSplit & { scheme: string } {
  checkReferenceText(text, fail);
  const separator = text.indexOf('://');
  if (separator < 0) fail(`it has no scheme (expected ${shape}, with scheme s3, gs, az, local or a plugin's)`);
  const scheme = text.slice(0, separator);
  const split = splitBucketPath(scheme, text.slice(separator + 3));
  checkBucket(scheme, split.bucket, fail);
  return { scheme, ...split };
}

/** Checks a scheme and bucket given as parts (what `from()` factories receive). */
export function checkBucket(scheme: string, bucket: string, fail: Fail): void {
  checkBucketScheme(scheme, fail);
  const problem = bucketProblem(scheme, bucket);
  if (problem !== undefined) fail(problem);
}

/**
 * What is wrong with a bucket (or, for `local`, a bucket directory), or
 * undefined. Deliberately permissive beyond what would break splitting or
 * name something unintended: S3, GCS and Azure each enforce their own rules.
 */
function bucketProblem(scheme: string, bucket: string): string | undefined {
  const what = scheme === 'local' ? 'bucket directory' : 'bucket';
  if (bucket === '') return `the ${what} is empty`;
  if (/\s/.test(bucket)) return `${what} ${quote(bucket)} contains whitespace`;
  if (bucket.includes('\\')) return `${what} ${quote(bucket)} contains "\\" (use "/" in paths)`;
  if (scheme === 'local') {
    // A directory is the user's choice, `..` included; it only has to split back to itself.
    if (bucket === '/' || bucket === './' || bucket === '../') return `a directory name must follow "${bucket}"`;
    if (bucket.endsWith('/')) return `${what} ${quote(bucket)} must not end with "/"`;
    if (bucket.includes('//')) return `${what} ${quote(bucket)} must not contain "//" (it separates the directory from the image)`;
    return undefined;
  }
  if (bucket.includes('/')) return `${what} ${quote(bucket)} must not contain "/"`;
  // `.` and `..` are no store's bucket names, but they are paths to a path-like plugin.
  if (bucket === '.' || bucket === '..') return `"${bucket}" is not a bucket name`;
  return undefined;
}
