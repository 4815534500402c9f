import type { Digest } from '../digest/digest.js';
import { checkDigest, readPlatformFields } from './descriptor-fields.js';
import { decodeJson, DocumentReader, fieldPath, type JsonObject, type ParseOptions } from './json-document.js';
import type { ImageConfig } from './types.js';

/**
 * Largest image config accepted by default: 8 MiB. Registries do not cap
 * configs the way they cap manifests, and images with long histories or big
 * labels exceed 1 MiB, so the default is twice the manifest limit; it still
 * bounds the memory one untrusted document can take.
 *
 * @example
 * ```ts
 * parseImageConfig(bytes, { maxBytes: 2 * MAX_CONFIG_BYTES }); // a deliberately larger limit
 * ```
 */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

const CONFIG = 'image config';

/**
 * Parses an untrusted image configuration (OCI or Docker). Checks the fields
 * s3lo relies on: `architecture` and `os` strings, `rootfs.diff_ids` sha256
 * digests, and the types of the run config (`Env`, `Cmd`, `Entrypoint`,
 * `Labels`, ...) and `history`. Other fields are kept unchecked. Docker omits
 * `diff_ids` for an image with no layers; it then reads as `[]`.
 *
 * @throws S3loError TOO_LARGE over `maxBytes` (default {@link MAX_CONFIG_BYTES});
 *   INVALID_MANIFEST otherwise, with `details.path` (bad digests included,
 *   the INVALID_DIGEST error as `cause`).
 *
 * @example
 * ```ts
 * const config = parseImageConfig(configBytes);
 * if (config.rootfs.diff_ids.length !== manifest.layers.length) throw new Error('layer count mismatch');
 * ```
 */
export function parseImageConfig(bytes: Uint8Array, options: ParseOptions = {}): ImageConfig {
  const reader = new DocumentReader(CONFIG);
  const obj = reader.object(decodeJson(bytes, CONFIG, options.maxBytes ?? MAX_CONFIG_BYTES), '');
  readPlatformFields(reader, obj, '');
  reader.optionalString(obj, 'created', '');
  reader.optionalString(obj, 'author', '');
  const run = reader.optionalObject(obj, 'config', '');
  if (run !== undefined) checkRunConfig(reader, run, 'config');
  checkRootFs(reader, reader.object(reader.required(obj, 'rootfs', ''), 'rootfs'));
  const history = reader.optionalArray(obj, 'history', '');
  history?.forEach((entry, i) => checkHistoryEntry(reader, reader.object(entry, `history[${i}]`), `history[${i}]`));
  return obj as unknown as ImageConfig;
}

function checkRunConfig(reader: DocumentReader, run: JsonObject, path: string): void {
  for (const key of ['User', 'WorkingDir', 'StopSignal']) reader.optionalString(run, key, path);
  for (const key of ['Env', 'Entrypoint', 'Cmd']) reader.optionalStringArray(run, key, path);
  for (const key of ['ExposedPorts', 'Volumes']) reader.optionalObject(run, key, path);
  reader.optionalStringMap(run, 'Labels', path);
  reader.optionalBoolean(run, 'ArgsEscaped', path);
}

function checkRootFs(reader: DocumentReader, rootfs: JsonObject): void {
  reader.string(rootfs, 'type', 'rootfs');
  const diffIds = reader.optionalArray(rootfs, 'diff_ids', 'rootfs');
  if (diffIds === undefined) {
    // Docker's encoder omits an empty diff_ids; give callers the array anyway.
    rootfs['diff_ids'] = [] satisfies Digest[];
    return;
  }
  const path = fieldPath('rootfs', 'diff_ids');
  diffIds.forEach((id, i) => checkDigest(reader, id, `${path}[${i}]`));
}

function checkHistoryEntry(reader: DocumentReader, entry: JsonObject, path: string): void {
  for (const key of ['created', 'created_by', 'author', 'comment']) reader.optionalString(entry, key, path);
  reader.optionalBoolean(entry, 'empty_layer', path);
}
