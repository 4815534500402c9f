import type { Readable } from 'node:stream';
import { ErrorCode, parseDigest, S3loError, sha256Digest, type Digest } from '@s3lo/core';
import { quote } from './errors.js';
import type { TarArchive, TarEntry } from './tar/tar-archive.js';

/** The annotation an OCI layout names its images by (the tag of `oci:` and `oci-archive:`). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** The member holding a blob in an OCI layout: `blobs/sha256/<hex>`. */
export function blobEntryName(digest: Digest): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

/** What a blob read needs: a digest from an untrusted document, and the size it announced. */
export interface BlobRef {
  readonly digest: string;
  readonly size?: number | undefined;
}

/**
 * The member of an OCI layout blob, checked: the digest is well formed
 * (INVALID_DIGEST), the member exists (NOT_FOUND) and has the announced
 * size (SIZE_MISMATCH).
 */
export function layoutBlobEntry(archive: TarArchive, blob: BlobRef, what: string): TarEntry {
  const digest = parseDigest(blob.digest, `the digest of ${what}`);
  const entry = archive.resolveFile(blobEntryName(digest), what);
  checkSize(archive, entry, blob, digest, what);
  return entry;
}

/**
 * A small blob (manifest, index, config) read whole and checked against its
 * digest (DIGEST_MISMATCH) so that nothing unverified is ever parsed.
 */
export async function readVerifiedBlob(archive: TarArchive, blob: BlobRef, maxBytes: number, what: string): Promise<Buffer> {
  const entry = layoutBlobEntry(archive, blob, what);
  const bytes = await archive.readFile(entry, maxBytes, what);
  const actual = sha256Digest(bytes);
  if (actual !== blob.digest) {
    throw new S3loError(ErrorCode.DIGEST_MISMATCH, `${what} ${quote(entry.name)} in ${quote(archive.path)} hashes to ${actual}, not ${blob.digest}`, {
      details: { archive: archive.path, entry: entry.name, expected: blob.digest, actual },
    });
  }
  return bytes;
}

/** A blob of an OCI layout as a ranged stream of the archive. */
export function openLayoutBlob(archive: TarArchive, blob: BlobRef, what: string, signal?: AbortSignal): Readable {
  return archive.openRange(layoutBlobEntry(archive, blob, what), signal);
}

/** SIZE_MISMATCH when a member is not the size a descriptor announced. */
export function checkSize(archive: TarArchive, entry: TarEntry, blob: BlobRef, digest: string, what: string): void {
  if (blob.size !== undefined && entry.size !== blob.size) {
    throw new S3loError(ErrorCode.SIZE_MISMATCH, `${what} ${digest} is ${entry.size} bytes in ${quote(archive.path)} (${quote(entry.name)}), but is announced as ${blob.size}`, {
      details: { archive: archive.path, entry: entry.name, digest, expected: blob.size, actual: entry.size },
    });
  }
}
