/**
 * `@s3lo/transport-archive`: image archives as s3lo sources and sinks.
 *
 * - `oci-archive:<file>[:<tag>]`: a tar of an OCI image layout (what
 *   `skopeo copy ... oci-archive:` and `buildah push ... oci-archive:` write).
 * - `docker-archive:<file>[:<name:tag>]`: a `docker save` archive, legacy or
 *   Docker 25+ (which also holds an OCI layout).
 *
 * Archives are read in place (indexed once, members streamed as byte
 * ranges) and written atomically (blobs spooled, archive renamed into place
 * at commit). Hostile archives (unsafe names, links leaving the archive,
 * lying sizes, wrong digests) are refused with typed `S3loError`s.
 *
 * @example
 * ```ts
 * import { registerTransport } from '@s3lo/core';
 * import archives from '@s3lo/transport-archive';
 * registerTransport(archives);
 * ```
 * @module
 */
import { plugin } from './plugin.js';

export { plugin, openArchiveSource, openArchiveSink } from './plugin.js';
export { openOciArchiveSource } from './source/oci-archive-source.js';
export { openDockerArchiveSource } from './source/docker-archive-source.js';
export { openOciArchiveSink } from './sink/oci-archive-sink.js';
export { openDockerArchiveSink } from './sink/docker-archive-sink.js';
export { ARCHIVE_LOCATION_KINDS, type ArchiveLocation, type OciArchiveLocation, type DockerArchiveLocation } from './locations.js';

export default plugin;
