import { parseDigest, type Digest } from '../digest/digest.js';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { describeValue, fieldPath, type DocumentReader, type JsonObject } from './json-document.js';
import type { Descriptor, Platform } from './types.js';

/**
 * Checks a digest with {@link parseDigest} and reports a bad one as
 * INVALID_MANIFEST with its JSON path, the INVALID_DIGEST error as `cause`:
 * a document with a bad digest is a bad document, and one code for "this
 * document is unusable" is what callers branch on.
 */
export function checkDigest(reader: DocumentReader, value: unknown, path: string): Digest {
  try {
    return parseDigest(value, path);
  } catch (error) {
    if (!S3loError.isInstance(error, ErrorCode.INVALID_DIGEST)) throw error;
    throw new S3loError(ErrorCode.INVALID_MANIFEST, `invalid ${reader.document}: ${error.message}`, {
      cause: error,
      details: { ...error.details, document: reader.document, path },
    });
  }
}

/** Checks the object at `path` is a descriptor; returns it typed. */
export function readDescriptor(reader: DocumentReader, value: unknown, path: string): Descriptor {
  const obj = reader.object(value, path);
  reader.string(obj, 'mediaType', path);
  checkDigest(reader, reader.required(obj, 'digest', path), fieldPath(path, 'digest'));
  checkSize(reader, reader.required(obj, 'size', path), fieldPath(path, 'size'));
  reader.optionalStringArray(obj, 'urls', path);
  reader.optionalStringMap(obj, 'annotations', path);
  const platform = reader.optionalObject(obj, 'platform', path);
  if (platform !== undefined) readPlatformFields(reader, platform, fieldPath(path, 'platform'));
  reader.optionalString(obj, 'artifactType', path);
  reader.optionalString(obj, 'data', path);
  return obj as unknown as Descriptor;
}

/** Checks the array field `key` holds descriptors. */
export function readDescriptors(reader: DocumentReader, obj: JsonObject, key: string, path: string): readonly Descriptor[] {
  const arrayPath = fieldPath(path, key);
  return reader.array(obj, key, path).map((item, i) => readDescriptor(reader, item, `${arrayPath}[${i}]`));
}

/** Checks the optional descriptor field `key` (`subject`). */
export function readOptionalDescriptor(reader: DocumentReader, obj: JsonObject, key: string, path: string): Descriptor | undefined {
  const value = reader.optional(obj, key);
  return value === undefined ? undefined : readDescriptor(reader, value, fieldPath(path, key));
}

/**
 * Checks the platform fields of `obj`: an index entry's `platform`, or an
 * image config, which carries the same fields at its top level.
 */
export function readPlatformFields(reader: DocumentReader, obj: JsonObject, path: string): Platform {
  reader.string(obj, 'architecture', path);
  reader.string(obj, 'os', path);
  reader.optionalString(obj, 'os.version', path);
  reader.optionalStringArray(obj, 'os.features', path);
  reader.optionalString(obj, 'variant', path);
  reader.optionalStringArray(obj, 'features', path);
  return obj as unknown as Platform;
}

// Sizes decide how many bytes are read and whether a stream is complete, so
// only exact integers are accepted: 1e400 parses to Infinity, 2^53 + 1 to a
// neighbour.
function checkSize(reader: DocumentReader, value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return reader.fail(path, `must be a non-negative integer of at most 2^53 - 1, got ${describeValue(value)}`);
}
