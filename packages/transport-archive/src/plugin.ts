import { TRANSPORT_CONTRACT_VERSION, type ImageSink, type ImageSource, type TransportOpenOptions, type TransportPlugin } from '@s3lo/core/image';
import { ARCHIVE_LOCATION_KINDS, checkLocation, type ArchiveLocation } from './locations.js';
import { openDockerArchiveSink } from './sink/docker-archive-sink.js';
import { openOciArchiveSink } from './sink/oci-archive-sink.js';
import { openDockerArchiveSource } from './source/docker-archive-source.js';
import { openOciArchiveSource } from './source/oci-archive-source.js';

/**
 * Opens an `oci-archive:` or `docker-archive:` location as an image source.
 *
 * @example
 * ```ts
 * import { ref } from '@s3lo/core';
 * const source = await openArchiveSource(ref.parseTransportReference('docker-archive:app.tar:app:v1'));
 * ```
 */
export async function openArchiveSource(location: ArchiveLocation, options: TransportOpenOptions = {}): Promise<ImageSource> {
  const checked = checkLocation(location);
  return checked.kind === 'oci-archive' ? openOciArchiveSource(checked, options) : openDockerArchiveSource(checked, options);
}

/**
 * Opens an `oci-archive:` or `docker-archive:` location as an image sink.
 * `options.tempDir` is where blobs wait for `commit` (default: the archive's
 * directory).
 *
 * @example
 * ```ts
 * const sink = await openArchiveSink(ref.parseTransportReference('oci-archive:out.tar:v1'), { tempDir: '/var/tmp' });
 * ```
 */
export async function openArchiveSink(location: ArchiveLocation, options: TransportOpenOptions = {}): Promise<ImageSink> {
  const checked = checkLocation(location);
  return checked.kind === 'oci-archive' ? openOciArchiveSink(checked, options) : openDockerArchiveSink(checked, options);
}

/**
 * The transport plugin: register it to make `oci-archive:` and
 * `docker-archive:` locations usable in copy, push and pull.
 *
 * @example
 * ```ts
 * import { registerTransport } from '@s3lo/core';
 * import archives from '@s3lo/transport-archive';
 * registerTransport(archives);
 * ```
 */
export const plugin: TransportPlugin<ArchiveLocation> = Object.freeze({
  kind: 'transport',
  contractVersion: TRANSPORT_CONTRACT_VERSION,
  name: '@s3lo/transport-archive',
  locations: ARCHIVE_LOCATION_KINDS,
  openSource: openArchiveSource,
  openSink: openArchiveSink,
});
