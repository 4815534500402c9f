import { ErrorCode, S3loError } from '@s3lo/core';
import type { RegistryReference } from '@s3lo/core/ref';

/**
 * `oci-archive:<file>[:<tag>]`. Core's `OciArchiveReference` (from
 * `ref.parseTransportReference`) is one.
 */
export interface OciArchiveLocation {
  readonly kind: 'oci-archive';
  readonly path: string;
  /** The layout's `org.opencontainers.image.ref.name`; the only image when absent. */
  readonly tag?: string | undefined;
}

/**
 * `docker-archive:<file>[:<name:tag>]`. Core's `DockerArchiveReference` is one.
 */
export interface DockerArchiveLocation {
  readonly kind: 'docker-archive';
  readonly path: string;
  /** The `RepoTags` entry to read or write; the only image (or no tag) when absent. */
  readonly reference?: RegistryReference | undefined;
}

/** Any location this package serves. */
export type ArchiveLocation = OciArchiveLocation | DockerArchiveLocation;

/** The location kinds served, as the plugin declares them. */
export const ARCHIVE_LOCATION_KINDS = ['oci-archive', 'docker-archive'] as const;

/** Checks a location handed over by a registry before anything is opened. */
export function checkLocation(location: unknown): ArchiveLocation {
  const { kind, path } = (location ?? {}) as { kind?: unknown; path?: unknown };
  if (kind !== 'oci-archive' && kind !== 'docker-archive') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `@s3lo/transport-archive serves oci-archive: and docker-archive: locations, not ${JSON.stringify(kind)}`);
  }
  if (typeof path !== 'string' || path === '') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `a ${kind}: location needs a file path`);
  }
  return location as ArchiveLocation;
}
