import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { formatPlatform, hostPlatform, platformMatches } from './platform.js';
import type { Descriptor, ImageIndex, Platform } from './types.js';

/**
 * True for an index entry that is not an image to run but an attestation
 * (BuildKit's SBOM and provenance manifests): platform `unknown/unknown`, or
 * the annotation `vnd.docker.reference.type: attestation-manifest`.
 *
 * @example
 * ```ts
 * const runnable = index.manifests.filter((entry) => !isAttestation(entry));
 * ```
 */
export function isAttestation(descriptor: Descriptor): boolean {
  const { platform, annotations } = descriptor;
  if (platform?.os === 'unknown' && platform.architecture === 'unknown') return true;
  return annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
}

/**
 * One entry of an index, as {@link listPlatforms} describes it.
 *
 * @example
 * ```ts
 * const entry: PlatformEntry = { descriptor, platform, name: 'linux/amd64', attestation: false };
 * ```
 */
export interface PlatformEntry {
  readonly descriptor: Descriptor;
  /** The entry's platform, `undefined` when the index gives none. */
  readonly platform: Platform | undefined;
  /** `os/arch[/variant]`, or `(no platform)`. */
  readonly name: string;
  /** True for attestations, which are shown but never picked. */
  readonly attestation: boolean;
}

/**
 * Every entry of an index with its platform, in index order, attestations
 * included and marked, for `inspect`-style listings.
 *
 * @example
 * ```ts
 * for (const entry of listPlatforms(index)) {
 *   console.log(entry.name, entry.attestation ? '(attestation)' : entry.descriptor.digest);
 * }
 * ```
 */
export function listPlatforms(index: ImageIndex): PlatformEntry[] {
  return index.manifests.map((descriptor) => ({
    descriptor,
    platform: descriptor.platform,
    name: entryName(descriptor),
    attestation: isAttestation(descriptor),
  }));
}

/**
 * The entries of `index` to use for the requested platforms, in index order
 * and without duplicates. `undefined` means the host's platform
 * ({@link hostPlatform}). Attestations and entries without a platform are
 * never picked. Every requested platform must match at least one entry; a
 * request that matches several (`linux/arm` against `arm/v6` and `arm/v7`)
 * returns them all, and a caller that runs an image takes the first.
 *
 * @throws S3loError PLATFORM_NOT_FOUND naming the platforms that matched
 *   nothing and listing those the index has (`details.requested`,
 *   `details.available`); INVALID_ARGUMENT for an empty `requested` list.
 *
 * @example
 * ```ts
 * const [child] = selectPlatformManifests(index, [parsePlatform('linux/arm64')]);
 * // no match: "no linux/s390x image in the index; it has linux/amd64, linux/arm64/v8"
 * ```
 */
export function selectPlatformManifests(index: ImageIndex, requested: readonly Platform[] | undefined): Descriptor[] {
  const wanted = requested ?? [hostPlatform()];
  if (wanted.length === 0) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'no platform was requested: pass undefined for the host platform, or at least one platform');
  }
  const runnable = index.manifests.filter((entry) => !isAttestation(entry));
  const selected = new Set<Descriptor>();
  const missing: Platform[] = [];
  for (const platform of wanted) {
    const matches = runnable.filter((entry) => entry.platform !== undefined && platformMatches(platform, entry.platform));
    if (matches.length === 0) missing.push(platform);
    for (const entry of matches) selected.add(entry);
  }
  if (missing.length > 0) throw platformNotFound(missing, runnable, index.manifests.length);
  // Index order, whatever order the platforms were requested in.
  return runnable.filter((entry) => selected.has(entry));
}

function platformNotFound(missing: readonly Platform[], runnable: readonly Descriptor[], entries: number): S3loError {
  const requested = missing.map(formatPlatform);
  const available = [...new Set(runnable.map(entryName))];
  let has: string;
  if (available.length > 0) has = `it has ${available.join(', ')}`;
  else if (entries > 0) has = 'it has only attestations';
  else has = 'it is empty';
  return new S3loError(ErrorCode.PLATFORM_NOT_FOUND, `no ${requested.join(' or ')} image in the index; ${has}`, {
    details: { requested, available },
  });
}

function entryName(descriptor: Descriptor): string {
  return descriptor.platform === undefined ? '(no platform)' : formatPlatform(descriptor.platform);
}
