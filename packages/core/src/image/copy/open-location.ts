import { defaultRegistry } from '../../plugins/plugin-registry.js';
import type { ImageLocation } from '../../ref/image-location.js';
import { openBucket, type BucketOperationOptions } from '../open-bucket.js';
import { openOciLayoutSink, openOciLayoutSource } from '../oci-layout/index.js';
import type { ImageSink, ImageSource, TransportOpenOptions } from '../transport.js';
import { BucketImageSink, type BucketSinkOptions } from './bucket-sink.js';
import { BucketImageSource } from './bucket-source.js';

/** Options for opening a source or sink: bucket options, a bucket destination's, and the transports'. */
export interface OpenLocationOptions extends BucketOperationOptions, BucketSinkOptions {
  /** Options handed to transport plugins (temp directory, daemon socket, ...). */
  readonly transportOptions?: Omit<TransportOpenOptions, 'signal'>;
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
      return (options.registry ?? defaultRegistry).transportFor(location.kind).openSource(location, { ...options.transportOptions, signal: options.signal });
  }
}

/** An image sink for any parsed location (see {@link openSource}). */
export async function openSink(location: ImageLocation, options: OpenLocationOptions = {}): Promise<ImageSink> {
  switch (location.kind) {
    case 'bucket-image': {
      const store = await openBucket(location, options);
      try {
        const { onGcWait, leaseTtlMs, leaseRenewMs, gcPollMs, clock, force } = options;
        return new BucketImageSink(store, location, { onGcWait, leaseTtlMs, leaseRenewMs, gcPollMs, clock, force });
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    case 'oci':
      return openOciLayoutSink(location, { signal: options.signal });
    default:
      return (options.registry ?? defaultRegistry).transportFor(location.kind).openSink(location, { ...options.transportOptions, signal: options.signal });
  }
}
