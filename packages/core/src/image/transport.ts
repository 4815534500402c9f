import type { Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import type { Descriptor } from '../oci/types.js';
import type { CallOptions } from '../storage/backend.js';

/**
 * The transport contract version this core speaks. Transport plugins (archive
 * formats, the Docker engine, registries) carry the version they implement.
 */
export const TRANSPORT_CONTRACT_VERSION = 1 as const;

/** A manifest or index exactly as stored: its bytes define its digest. */
export interface ManifestBytes {
  /** The exact bytes; never re-serialised. */
  readonly bytes: Buffer;
  /** sha256 of `bytes`. */
  readonly digest: Digest;
  /** The document's media type (from the document, or as the source labelled it). */
  readonly mediaType: string;
}

/** Options of calls that move bytes. */
export interface TransferOptions extends CallOptions {
  /** Called with the running count of bytes moved for this blob. */
  readonly onProgress?: (bytesSoFar: number) => void;
}

/**
 * Where an image is read from: a bucket, an OCI layout, an archive, later
 * the Docker engine and registries. An image is a manifest (or an index and
 * its child manifests) plus blobs opened lazily, one stream at a time, so no
 * source ever has to hold a layer in memory.
 *
 * A source need not verify what it returns: the copy verifies every blob and
 * manifest against its digest while the bytes stream.
 */
export interface ImageSource {
  /** How to name the source in messages, e.g. `oci:./layout:v1`. */
  readonly description: string;
  /** The top-level manifest or index. */
  readManifest(options?: CallOptions): Promise<ManifestBytes>;
  /** A manifest an index refers to. */
  readChildManifest(descriptor: Descriptor, options?: CallOptions): Promise<Buffer>;
  /** A config or layer, as a stream of exactly `descriptor.size` bytes. */
  openBlob(descriptor: Descriptor, options?: CallOptions): Promise<Readable>;
  /**
   * Refuses, before the copy writes anything, blobs the source can tell up
   * front it cannot deliver: missing, of another size, or not a regular
   * file (a layout's or archive's member that is a FIFO, a device, a link
   * out). Called once with every blob of the plan. Optional: without it a
   * bad blob fails when it is read, after others may have been written.
   */
  checkBlobs?(descriptors: readonly Descriptor[], options?: CallOptions): Promise<void>;
  /** Releases files, handles and connections. */
  close(): Promise<void>;
}

/** How a copy ended, told to {@link ImageSink.close}. */
export interface SinkOutcome {
  /** True when {@link ImageSink.commit} succeeded. */
  readonly committed: boolean;
}

/**
 * Where an image is written. The copy calls, in this order: `checkCommit`,
 * `begin`, then for each blob `hasBlob` (and with `verifyExisting`,
 * `checkBlob` when present) and (when absent or corrupt) `copyBlobFrom` or
 * `writeBlob`,
 * then `writeChildManifest` for each child of an index, then `commit` for
 * the top-level manifest, and `close` in every case.
 *
 * A sink makes the image visible only in `commit`, so a failed or aborted
 * copy never leaves something that looks like a complete image; `close`
 * with `committed: false` removes what the sink can.
 */
export interface ImageSink {
  /** How to name the destination in messages. */
  readonly description: string;
  /**
   * The most `writeBlob` calls the sink takes at once (a tar archive takes
   * one at a time); unlimited when absent.
   */
  readonly maxConcurrentWrites?: number;
  /**
   * True when the sink verifies digest and size of every blob it writes
   * itself (a bucket does): the copy then hands it the source stream as is
   * instead of hashing the bytes twice.
   */
  readonly verifiesBlobs?: boolean;
  /**
   * Refuses early, before anything is announced or written, a copy whose
   * `commit` the sink would refuse anyway (a bucket: its `s3lo.yaml` marks
   * the image immutable and the tag holds another image). Optional.
   */
  checkCommit?(manifest: ManifestBytes, options?: CallOptions): Promise<void>;
  /**
   * Announces every digest the copy will reference before anything is
   * checked or written. A bucket records them so that a garbage collection
   * running meanwhile keeps them.
   */
  begin?(digests: readonly Digest[], options?: CallOptions): Promise<void>;
  /**
   * True when the sink already holds the blob. (A bucket does not refresh
   * the blob's age: the push lease written in `begin` is what keeps a
   * garbage collection away from blobs the copy reuses.)
   */
  hasBlob(descriptor: Descriptor, options?: CallOptions): Promise<boolean>;
  /**
   * Re-reads a blob the sink holds and tells whether its bytes hash to the
   * descriptor's digest and number its size (`sound`), do not (`corrupt`),
   * or are not there (`absent`). Read as a stream, never held in memory.
   * Used by the copy's `verifyExisting` instead of trusting `hasBlob`; a
   * sink without it cannot be given that option.
   */
  checkBlob?(descriptor: Descriptor, options?: TransferOptions): Promise<'sound' | 'corrupt' | 'absent'>;
  /**
   * Copies a blob without streaming it through this process, when source
   * and sink allow it (server-side copy inside one store). False: not
   * possible, stream it instead.
   */
  copyBlobFrom?(source: ImageSource, descriptor: Descriptor, options?: CallOptions): Promise<boolean>;
  /**
   * Writes a blob from a stream. Unless the sink declares `verifiesBlobs`,
   * the stream is verified while it flows: it errors instead of ending when
   * the bytes are wrong, and the sink must then store nothing under the
   * digest.
   */
  writeBlob(descriptor: Descriptor, content: Readable, options?: TransferOptions): Promise<void>;
  /** Writes a child manifest of an index (after the blobs it references). */
  writeChildManifest(descriptor: Descriptor, bytes: Buffer, options?: CallOptions): Promise<void>;
  /**
   * Called after every blob and child manifest is written and before
   * `commit`, with the digests written or found present. Returns those the
   * copy must write again (a bucket: blobs a garbage collection running
   * meanwhile deleted, found after waiting for it to end).
   */
  beforeCommit?(digests: readonly Digest[], options?: CallOptions): Promise<readonly Digest[]>;
  /** Makes the image visible under the destination's name: the last write. */
  commit(manifest: ManifestBytes, options?: CallOptions): Promise<void>;
  /** Releases resources; after a failed copy, removes what could look complete. */
  close(outcome: SinkOutcome): Promise<void>;
}

/** Options handed to a transport plugin when it opens a source or a sink. */
export interface TransportOpenOptions extends CallOptions {
  /** A directory for temporary files (archive sinks assemble there); the OS default when absent. */
  readonly tempDir?: string;
  readonly [option: string]: unknown;
}

/**
 * A plugin serving image locations that core does not: archives
 * (`oci-archive:`, `docker-archive:`), later the Docker engine and
 * registries. Keyed by the `kind` of a parsed location.
 *
 * @example
 * ```ts
 * import type { TransportPlugin } from '@s3lo/core/image';
 * export const plugin: TransportPlugin = {
 *   kind: 'transport',
 *   contractVersion: 1,
 *   name: '@s3lo/transport-archive',
 *   locations: ['oci-archive', 'docker-archive'],
 *   openSource: (location, options) => openArchiveSource(location, options),
 *   openSink: (location, options) => openArchiveSink(location, options),
 * };
 * ```
 */
export interface TransportPlugin<L extends { readonly kind: string } = { readonly kind: string }> {
  readonly kind: 'transport';
  readonly contractVersion: typeof TRANSPORT_CONTRACT_VERSION;
  /** The package name, used in messages. */
  readonly name: string;
  /** The location kinds served (`oci-archive`, `docker-archive`, `docker-daemon`, `registry`). */
  readonly locations: readonly string[];
  /**
   * Opens `location` (of a kind listed in `locations`) as the source of a
   * copy; the copy ends by calling {@link ImageSource.close}.
   */
  openSource(location: L, options: TransportOpenOptions): Promise<ImageSource>;
  /**
   * Opens `location` as the destination of a copy. The copy writes the blobs,
   * then {@link ImageSink.commit}, and always ends with {@link ImageSink.close}
   * (whose outcome says whether the commit happened).
   */
  openSink(location: L, options: TransportOpenOptions): Promise<ImageSink>;
}
