import { defaultRegistry } from '../../plugins/plugin-registry.js';
import type { ImageLocation } from '../../ref/image-location.js';
import { openBucket, type BucketOperationOptions } from '../open-bucket.js';
import { openOciLayoutSink, openOciLayoutSource } from '../oci-layout/index.js';
import type { ImageSink, ImageSource, TransportOpenOptions } from '../transport.js';
import { BucketImageSink } from './bucket-sink.js';
import { BucketImageSource } from './bucket-source.js';

/** Options for opening a source or sink: bucket options plus the transports'. */
export interface OpenLocationOptions extends BucketOperationOptions {
  /** Options handed to transport plugins (temp directory, daemon socket, ...). */
  readonly transportOptions?: Omit<TransportOpenOptions, 'signal'>;
  /**
   * A bucket destination: write the tag even when the bucket's `s3lo.yaml`
   * marks the image immutable and the tag holds another image.
   * @default false
   */
  readonly force?: boolean;
}

/**
 * An image source for any parsed location: buckets and OCI layouts are
 * built in; archives, the Docker engine and registries come from transport
 * plugins in the registry.
 */
export async function openSource(location: ImageLocation, options: OpenLocationOptions = {}): Promise<ImageSource> {
  switch (location.kind) {
    case 'bucket-image':
      return new BucketImageSource(await openBucket(location, options), location);
    case 'oci':
      return openOciLayoutSource(location, { signal: options.signal });
    default:
      return (options.registry ?? defaultRegistry)
        .transportFor(location.kind)
        .openSource(location, { ...options.transportOptions, signal: options.signal });
  }
}

/** An image sink for any parsed location (see {@link openSource}). */
export async function openSink(location: ImageLocation, options: OpenLocationOptions = {}): Promise<ImageSink> {
  switch (location.kind) {
    case 'bucket-image': {
      const store = await openBucket(location, options);
      try {
        return new BucketImageSink(store, location, { force: options.force });
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    case 'oci':
      return openOciLayoutSink(location, { signal: options.signal });
    default:
      return (options.registry ?? defaultRegistry)
        .transportFor(location.kind)
        .openSink(location, { ...options.transportOptions, signal: options.signal });
  }
}
