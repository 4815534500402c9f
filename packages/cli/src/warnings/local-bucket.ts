import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';

/** What marks a directory as an s3lo bucket (the Go tool's layout). */
const BUCKET_ENTRIES = new Set(['blobs', 'manifests', 's3lo.yaml']);

/**
 * The `local://` trap: the bucket of `local:///var/lib/s3lo/app:v1` is
 * `/var`, the first directory after `/`, `./` or `../` (the Go tool's rule,
 * which we keep so both tools read the same references); `lib/s3lo/app` is
 * the image. A deeper bucket directory is written with `//`:
 * `local:///var/lib/s3lo//app:v1`. Someone who meant the deeper directory
 * would otherwise write `blobs/` and `manifests/` into `/var` without a
 * word, so this says so when the bucket directory already holds other
 * things and no s3lo bucket, and the image (or list prefix) has several
 * components.
 *
 * @param reference the reference as given (for the corrected spelling)
 * @param path the image name or bucket-level prefix of the reference
 * @returns the warning, or undefined when the reference looks intended
 */
export async function localBucketWarning(reference: string, bucket: string, path: string, cwd: string): Promise<string | undefined> {
  const components = path.split('/').filter((c) => c !== '');
  if (components.length < 2) return undefined;
  let entries: string[];
  try {
    entries = await readdir(resolve(cwd, bucket));
  } catch {
    // Missing (a new bucket) or unreadable: the command says what it finds.
    return undefined;
  }
  if (entries.length === 0 || entries.some((entry) => BUCKET_ENTRIES.has(entry))) return undefined;
  const deeper = `${bucket.replace(/\/+$/, '')}/${components.slice(0, -1).join('/')}`;
  const last = components.at(-1) as string;
  const written = `local://${bucket.replace(/\/+$/, '')}/${components.join('/')}`;
  const meant = reference.startsWith(written) ? `local://${deeper}//${last}${reference.slice(written.length)}` : `local://${deeper}//${last}`;
  return (
    `warning: local://${bucket} is the bucket here (a local:// bucket is the first directory after "/", "./" or "../"), ` +
    `and it holds other things but no s3lo bucket; if you meant ${deeper}, write ${meant}`
  );
}
