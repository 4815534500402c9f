import type { Readable } from 'node:stream';
import type { BucketImageReference } from '../../ref/bucket-image-reference.js';
import { MAX_MANIFEST_BYTES, parseManifestDocument } from '../../oci/index.js';
import type { Descriptor } from '../../oci/types.js';
import type { CallOptions } from '../../storage/backend.js';
import { blobKey } from '../bucket-layout.js';
import type { BucketStore } from '../bucket-store.js';
import { findByDigest } from '../operations/inspect.js';
import type { ImageSource, ManifestBytes } from '../transport.js';

/**
 * An image in a bucket as a copy source. Manifests are read verified; blobs
 * stream as stored and the copy verifies them.
 */
export class BucketImageSource implements ImageSource {
  readonly description: string;

  /** Reads `location` (`:tag` or `@sha256:...`) from `store`. */
  constructor(
    readonly store: BucketStore,
    readonly location: BucketImageReference,
  ) {
    this.description = location.toString();
  }

  /**
   * The tag's bytes, or for `image@sha256:...` the manifest of that digest
   * found among the image's tags and their index children (a digest is
   * found by reading manifests, never mapped to a key).
   */
  async readManifest(options: CallOptions = {}): Promise<ManifestBytes> {
    const { image, tag, digest: wanted } = this.location;
    const { bytes, digest } = wanted === undefined ? await this.store.readTag(image, tag ?? 'latest', options) : await findByDigest(this.store, this.location, options.signal);
    return { bytes, digest, mediaType: parseManifestDocument(bytes).mediaType };
  }

  readChildManifest(descriptor: Descriptor, options: CallOptions = {}): Promise<Buffer> {
    return this.store.readBlob(descriptor.digest, MAX_MANIFEST_BYTES, options);
  }

  /**
   * The stored bytes as they are: the copy verifies them (or hands them to a
   * sink that verifies as it writes), so verifying here too would hash every
   * byte twice.
   */
  openBlob(descriptor: Descriptor, options: CallOptions = {}): Promise<Readable> {
    return this.store.backend.get(blobKey(descriptor.digest), { signal: options.signal });
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
