import { ErrorCode, S3loError } from '@s3lo/core';

/**
 * The archive is not a usable tar or image archive: a corrupt header, an
 * unsafe or duplicate name, a link leaving the archive. Reported as
 * INVALID_MANIFEST, core's code for "this image's metadata is unusable", so
 * callers branch on one code for every broken archive; `details.archive` and
 * `details.entry` say where.
 */
export function invalidArchive(archive: string, problem: string, details: Record<string, unknown> = {}, hint?: string): S3loError {
  return new S3loError(ErrorCode.INVALID_MANIFEST, `invalid archive ${quote(archive)}: ${problem}`, {
    details: { archive, ...details },
    hint,
  });
}

/** A file the image needs is not in the archive. */
export function missingEntry(archive: string, name: string, what: string): S3loError {
  return new S3loError(ErrorCode.NOT_FOUND, `${what} ${quote(name)} is not in the archive ${quote(archive)}`, {
    details: { archive, entry: name },
  });
}

/** `"text"`, shortened so a hostile name cannot flood a message. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 197)}...` : text);
}
