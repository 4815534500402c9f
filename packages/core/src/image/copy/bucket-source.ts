import type { Readable } from 'node:stream';
import type { BucketImageReference } from '../../ref/bucket-image-reference.js';
import { MAX_MANIFEST_BYTES, parseManifestDocument } from '../../oci/index.js';
import type { Descriptor } from '../../oci/types.js';
import type { CallOptions } from '../../storage/backend.js';
import type { BucketStore } from '../bucket-store.js';
import { findByDigest } from '../operations/inspect.js';
import type { ImageSource, ManifestBytes } from '../transport.js';

/**
 * An image in a bucket as a copy source. Blobs come back already verified
 * (BucketStore verifies while streaming); the copy may verify again.
 */
export class BucketImageSource implements ImageSource {
  readonly description: string;

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
    const { bytes, digest } =
      wanted === undefined ? await this.store.readTag(image, tag ?? 'latest', options) : await findByDigest(this.store, this.location, options.signal);
    return { bytes, digest, mediaType: parseManifestDocument(bytes).mediaType };
  }

  readChildManifest(descriptor: Descriptor, options: CallOptions = {}): Promise<Buffer> {
    return this.store.readBlob(descriptor.digest, MAX_MANIFEST_BYTES, options);
  }

  openBlob(descriptor: Descriptor, options: CallOptions = {}): Promise<Readable> {
    return this.store.openBlob(descriptor.digest, descriptor.size, options);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
