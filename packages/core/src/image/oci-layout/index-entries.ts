import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { isIndexMediaType, isManifestMediaType, MediaType } from '../../oci/media-types.js';
import type { Descriptor, ImageIndex } from '../../oci/types.js';
import { REF_NAME_ANNOTATION } from './layout-files.js';

// How `index.json` entries are found and replaced. An entry's name is its
// `org.opencontainers.image.ref.name` annotation; containers/image, umoci
// and buildx all name entries this way.

// A hostile index.json may hold a hundred thousand entries: messages list a few.
const MAX_LISTED = 20;

/** The entry's ref name, if it has one. */
export function refNameOf(entry: Descriptor): string | undefined {
  const name = entry.annotations?.[REF_NAME_ANNOTATION];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * The entry `oci:<dir>[:<tag>]` means, as containers/image picks it: the
 * first entry named `tag`; without a tag, the only entry.
 *
 * @throws S3loError NOT_FOUND when no entry has the name, or the layout is
 *   empty; INVALID_ARGUMENT when no tag is given and there are several
 *   entries; UNSUPPORTED when the entry is not an image manifest or index.
 *   Messages list the names the layout has.
 */
export function selectEntry(index: ImageIndex, tag: string | undefined, layout: string): Descriptor {
  const entries = index.manifests;
  const available = listNames(entries);
  let entry: Descriptor | undefined;
  if (tag !== undefined) {
    entry = entries.find((candidate) => refNameOf(candidate) === tag);
    if (entry === undefined) {
      const has = entries.length === 0 ? 'it holds no images' : `it has ${formatList(available)}`;
      throw new S3loError(ErrorCode.NOT_FOUND, `no image named ${JSON.stringify(tag)} in OCI layout ${layout}: ${has}`, {
        details: { layout, tag, available: available.slice(0, MAX_LISTED) },
      });
    }
  } else if (entries.length === 1) {
    entry = entries[0];
  } else if (entries.length === 0) {
    throw new S3loError(ErrorCode.NOT_FOUND, `OCI layout ${layout} holds no images (its index.json lists none)`, { details: { layout } });
  } else {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `OCI layout ${layout} holds ${entries.length} images; name one: ${formatList(available)}`, {
      details: { layout, available: available.slice(0, MAX_LISTED) },
      hint: `write oci:${layout}:<name>`,
    });
  }
  if (entry === undefined) throw new Error('unreachable: an entry was selected');
  if (!isManifestMediaType(entry.mediaType) && !isIndexMediaType(entry.mediaType)) {
    const shown = entry.mediaType.length > 100 ? `${entry.mediaType.slice(0, 97)}...` : entry.mediaType;
    throw new S3loError(ErrorCode.UNSUPPORTED, `${describeEntry(entry)} of OCI layout ${layout} is ${JSON.stringify(shown)}, not an image manifest or index`, {
      details: { layout, mediaType: shown },
    });
  }
  return entry;
}

/**
 * The index with `entry` added. A named entry replaces every entry of the
 * same name, at the first one's position, so other tools see the order they
 * left; other entries are kept. An unnamed entry replaces an unnamed entry of
 * the same digest (copying the same image twice adds nothing), else it is
 * appended: what containers/image does for `oci:<dir>` without a tag.
 * Fields of the index other than `manifests` are kept as they were.
 */
export function indexWithEntry(index: ImageIndex | undefined, entry: Descriptor): ImageIndex {
  const base: ImageIndex = index ?? { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] };
  const name = refNameOf(entry);
  const replaces =
    name === undefined ? (candidate: Descriptor) => refNameOf(candidate) === undefined && candidate.digest === entry.digest : (candidate: Descriptor) => refNameOf(candidate) === name;
  const manifests: Descriptor[] = [];
  let placed = false;
  for (const candidate of base.manifests) {
    if (!replaces(candidate)) manifests.push(candidate);
    else if (!placed) {
      manifests.push(entry);
      placed = true;
    }
  }
  if (!placed) manifests.push(entry);
  return { ...base, manifests };
}

function listNames(entries: readonly Descriptor[]): string[] {
  return [...new Set(entries.map(describeEntry))];
}

function describeEntry(entry: Descriptor): string {
  const name = refNameOf(entry);
  if (name === undefined) return `an unnamed entry (${entry.digest})`;
  return JSON.stringify(name.length > 100 ? `${name.slice(0, 97)}...` : name);
}

function formatList(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}
