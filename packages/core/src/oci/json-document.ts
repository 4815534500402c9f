import { ErrorCode } from '../errors/error-codes.js';
import { S3loError, type S3loErrorOptions } from '../errors/s3lo-error.js';

/** A parsed JSON object whose fields have not been checked yet. */
export type JsonObject = Record<string, unknown>;

/**
 * Options of the manifest, index and config parsers.
 *
 * @example
 * ```ts
 * parseImageConfig(bytes, { maxBytes: 16 * 1024 * 1024 });
 * ```
 */
export interface ParseOptions {
  /**
   * Largest document accepted, in bytes. Checked on the byte length before
   * anything is decoded, so an oversized document costs no parsing.
   */
  maxBytes?: number;
}

// `fatal` makes malformed UTF-8 an error instead of U+FFFD replacements (which
// would make two different byte strings read the same). `ignoreBOM` keeps a
// BOM in the text so JSON.parse rejects it, as Go's encoding/json does.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes untrusted bytes into a JSON value: size cap first, then strict
 * UTF-8, then JSON. `document` names the kind of document in messages.
 */
export function decodeJson(bytes: Uint8Array, document: string, maxBytes: number): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${document} bytes must be a Uint8Array, got ${describeValue(bytes)}`);
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
  if (bytes.byteLength > maxBytes) {
    throw new S3loError(ErrorCode.TOO_LARGE, `${document} is ${bytes.byteLength} bytes, more than the limit of ${maxBytes} bytes (${formatMiB(maxBytes)})`, {
      details: { document, size: bytes.byteLength, limit: maxBytes },
    });
  }
  const reader = new DocumentReader(document);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    return reader.fail('', 'is not valid UTF-8', { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8 says where the syntax error is ("... at position 812"), which is
    // what a user needs to find it.
    const reason = error instanceof Error ? error.message : String(error);
    return reader.fail('', `is not valid JSON: ${reason}`, { cause: error });
  }
  dropProtoKeys(value);
  return value;
}

/**
 * JSON.parse already stores a `"__proto__"` key as an own property, so parsing
 * cannot pollute prototypes. The key is removed anyway so that no caller that
 * later merges these objects (`Object.assign`, a deep merge) can be turned
 * into a prototype setter. Iterative, because the input may nest deeply.
 */
function dropProtoKeys(root: unknown): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    // biome-ignore lint/suspicious/noProto: deletes the own `__proto__` key JSON.parse created (not the accessor), so a later Object.assign cannot set a prototype
    if (Object.hasOwn(value, '__proto__')) delete (value as JsonObject)['__proto__'];
    for (const item of Object.values(value)) if (typeof item === 'object' && item !== null) pending.push(item);
  }
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(2)} MiB`;
}

/**
 * Reads fields of one untrusted JSON document, checking each one's type and
 * throwing INVALID_MANIFEST that names the document and the JSON path of the
 * problem (`invalid image manifest: layers[2].size must be ...`).
 *
 * Optional fields that hold `null` are treated as absent and removed, as Go's
 * encoding/json (the Go s3lo, registries, Docker) reads them; Docker writes
 * such nulls in image configs (`"Volumes": null`).
 */
export class DocumentReader {
  constructor(readonly document: string) {}

  fail(path: string, problem: string, options: S3loErrorOptions = {}): never {
    throw new S3loError(ErrorCode.INVALID_MANIFEST, `invalid ${this.document}: ${path === '' ? 'the document' : path} ${problem}`, {
      cause: options.cause,
      details: { document: this.document, path, ...options.details },
      hint: options.hint,
    });
  }

  object(value: unknown, path: string): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.fail(path, `must be a JSON object, got ${describeValue(value)}`);
    }
    return value as JsonObject;
  }

  /** The field's value, or `undefined` when absent or null (and then removed). */
  optional(obj: JsonObject, key: string): unknown {
    if (!Object.hasOwn(obj, key)) return undefined;
    const value = obj[key];
    if (value === null) {
      delete obj[key];
      return undefined;
    }
    return value;
  }

  required(obj: JsonObject, key: string, path: string): unknown {
    const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (value === undefined) return this.fail(fieldPath(path, key), 'is missing');
    return value;
  }

  string(obj: JsonObject, key: string, path: string): string {
    return this.checkString(this.required(obj, key, path), fieldPath(path, key));
  }

  optionalString(obj: JsonObject, key: string, path: string): string | undefined {
    const value = this.optional(obj, key);
    return value === undefined ? undefined : this.checkString(value, fieldPath(path, key));
  }

  optionalBoolean(obj: JsonObject, key: string, path: string): boolean | undefined {
    const value = this.optional(obj, key);
    if (value === undefined || typeof value === 'boolean') return value;
    return this.fail(fieldPath(path, key), `must be true or false, got ${describeValue(value)}`);
  }

  optionalObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const value = this.optional(obj, key);
    return value === undefined ? undefined : this.object(value, fieldPath(path, key));
  }

  array(obj: JsonObject, key: string, path: string): unknown[] {
    return this.checkArray(this.required(obj, key, path), fieldPath(path, key));
  }

  optionalArray(obj: JsonObject, key: string, path: string): unknown[] | undefined {
    const value = this.optional(obj, key);
    return value === undefined ? undefined : this.checkArray(value, fieldPath(path, key));
  }

  optionalStringArray(obj: JsonObject, key: string, path: string): readonly string[] | undefined {
    const items = this.optionalArray(obj, key, path);
    items?.forEach((item, i) => this.checkString(item, `${fieldPath(path, key)}[${i}]`));
    return items as string[] | undefined;
  }

  /** An object whose values are all strings (annotations, labels). */
  optionalStringMap(obj: JsonObject, key: string, path: string): Readonly<Record<string, string>> | undefined {
    const map = this.optionalObject(obj, key, path);
    if (map === undefined) return undefined;
    const mapPath = fieldPath(path, key);
    for (const [name, value] of Object.entries(map)) this.checkString(value, fieldPath(mapPath, name));
    return map as Record<string, string>;
  }

  private checkString(value: unknown, path: string): string {
    if (typeof value !== 'string') return this.fail(path, `must be a string, got ${describeValue(value)}`);
    return value;
  }

  private checkArray(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) return this.fail(path, `must be an array, got ${describeValue(value)}`);
    return value;
  }
}

/**
 * The JSON path of `key` inside the object at `parent`: `layers[2].digest`,
 * `annotations["org.opencontainers.image.title"]`.
 */
export function fieldPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  const shown = key.length > 60 ? `${key.slice(0, 57)}...` : key;
  return `${parent}[${JSON.stringify(shown)}]`;
}

/** A short description of a JSON value's type for messages: `an array`, `null`, `the number 3`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'nothing';
    default:
      return typeof value;
  }
}
