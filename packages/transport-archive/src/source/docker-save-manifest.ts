import { ErrorCode, S3loError } from '@s3lo/core';
import { quote } from '../errors.js';
import { normaliseEntryName } from '../tar/entry-names.js';

/** The `docker save` index file at the archive root. */
export const DOCKER_SAVE_MANIFEST = 'manifest.json';

/** Largest `manifest.json` read (it lists every image and tag of the archive). */
export const MAX_DOCKER_SAVE_MANIFEST_BYTES = 8 * 1024 * 1024;

/** One image of a `docker save` archive, paths normalised to entry names. */
export interface DockerSaveItem {
  /** The image config's member. */
  readonly config: string;
  /** Names the image is tagged with, as written (`app:v1`, `docker.io/library/app:v1`). */
  readonly repoTags: readonly string[];
  /** The layer members, base layer first. */
  readonly layers: readonly string[];
}

// `fatal`: malformed UTF-8 is an error, not U+FFFD (two byte strings must
// not read the same); `ignoreBOM` leaves a BOM for JSON.parse to refuse.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses a `docker save` `manifest.json`: `[{Config, RepoTags, Layers}]`.
 * Every path must be a safe entry name (no absolute path, no `..`); extra
 * fields (`Parent`, `LayerSources`) are ignored.
 *
 * @throws S3loError INVALID_MANIFEST naming the JSON path of the problem.
 */
export function parseDockerSaveManifest(bytes: Buffer, archive: string): DockerSaveItem[] {
  const fail = (path: string, problem: string): never => {
    throw new S3loError(ErrorCode.INVALID_MANIFEST, `invalid manifest.json in archive ${quote(archive)}: ${path === '' ? 'the document' : path} ${problem}`, {
      details: { archive, document: DOCKER_SAVE_MANIFEST, path },
    });
  };
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    return fail('', `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(value)) return fail('', 'must be a JSON array of images');
  return value.map((item: unknown, i) => {
    const at = `[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return fail(at, 'must be an object');
    const fields = item as Record<string, unknown>;
    const entryName = (raw: unknown, path: string): string => {
      if (typeof raw !== 'string') return fail(path, 'must be a string');
      const check = normaliseEntryName(raw);
      if ('problem' in check) return fail(path, `${quote(raw)} is refused: ${check.problem}`);
      if (check.name === '') return fail(path, 'is empty');
      return check.name;
    };
    const strings = (raw: unknown, path: string, optional: boolean): unknown[] => {
      // Docker writes `"RepoTags": null` for an untagged image.
      if (optional && (raw === undefined || raw === null)) return [];
      if (!Array.isArray(raw)) return fail(path, 'must be an array');
      return raw;
    };
    const repoTags = strings(fields['RepoTags'], `${at}.RepoTags`, true).map((tag, j) => {
      if (typeof tag !== 'string') return fail(`${at}.RepoTags[${j}]`, 'must be a string');
      return tag;
    });
    return {
      config: entryName(fields['Config'], `${at}.Config`),
      repoTags,
      layers: strings(fields['Layers'], `${at}.Layers`, false).map((layer, j) => entryName(layer, `${at}.Layers[${j}]`)),
    };
  });
}
