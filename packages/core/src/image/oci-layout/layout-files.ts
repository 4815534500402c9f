import { join } from 'node:path';
import { digestHex, type Digest } from '../../digest/digest.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { decodeJson, DocumentReader } from '../../oci/json-document.js';

// The names the OCI image-layout spec fixes. Blobs live at
// `blobs/<algorithm>/<hex>`; s3lo reads and writes sha256 only.

/** The file that marks a directory as a layout: `{"imageLayoutVersion":"1.0.0"}`. */
export const OCI_LAYOUT_FILE = 'oci-layout';
/** The layout's entry point: an OCI image index naming its images. */
export const INDEX_FILE = 'index.json';
/** The annotation on an `index.json` entry that holds its name (the `oci:<dir>:<tag>` tag). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** The layout version s3lo writes, as skopeo, umoci and buildx do. */
export const LAYOUT_VERSION = '1.0.0';
/** What a new layout's `oci-layout` holds, byte for byte as containers/image writes it. */
export const OCI_LAYOUT_CONTENT = `{"imageLayoutVersion":"${LAYOUT_VERSION}"}`;

/** Largest `oci-layout` file read: it is one short JSON object, anything larger is not one. */
export const MAX_OCI_LAYOUT_BYTES = 64 * 1024;

/** The directory sha256 blobs live in. */
export function blobDirectory(root: string): string {
  return join(root, 'blobs', 'sha256');
}

/**
 * The file of a blob. `digestHex` validates the digest first, so nothing but
 * 64 lowercase hex characters ever becomes a path component.
 */
export function blobPath(root: string, digest: Digest): string {
  return join(blobDirectory(root), digestHex(digest));
}

/**
 * Checks the bytes of an `oci-layout` file. Any 1.x version is accepted:
 * image-spec 1.1 still writes 1.0.0, and a minor version may only add
 * fields. A 2.x layout may place files elsewhere, so it is refused rather
 * than misread.
 *
 * @throws S3loError INVALID_MANIFEST naming `path` and what is wrong.
 */
export function checkLayoutVersion(bytes: Uint8Array, path: string): string {
  const reader = new DocumentReader(`oci-layout file ${path}`);
  const obj = reader.object(decodeJson(bytes, `oci-layout file ${path}`, MAX_OCI_LAYOUT_BYTES), '');
  const version = reader.string(obj, 'imageLayoutVersion', '');
  if (!/^1\.\d+\.\d+$/.test(version)) {
    const shown = version.length > 40 ? `${version.slice(0, 37)}...` : version;
    reader.fail('imageLayoutVersion', `is ${JSON.stringify(shown)}; s3lo reads and writes image layout version 1.x (${LAYOUT_VERSION})`);
  }
  return version;
}

/**
 * The same error with the file it concerns named first: the oci parsers say
 * `invalid image index: manifests[0].digest ...` but not which file held it.
 */
export function inFile(error: unknown, path: string): unknown {
  if (!S3loError.isInstance(error)) return error;
  return new S3loError(error.code, `${path}: ${error.message}`, {
    cause: error,
    details: { ...error.details, file: path },
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  });
}
