import { defaultRegistry, type PluginRegistry } from '../plugins/plugin-registry.js';
import type { BackendOptions } from '../storage/plugin.js';
import type { CallOptions } from '../storage/backend.js';
import { BucketStore } from './bucket-store.js';

/** Options every bucket operation accepts besides its own. */
export interface BucketOperationOptions extends CallOptions {
  /** Options for the storage backend (endpoint, region, ...). */
  readonly backendOptions?: BackendOptions;
  /** Where backends and transports are looked up; the process-wide registry by default. */
  readonly registry?: PluginRegistry;
}

/**
 * A {@link BucketStore} for the bucket of a parsed reference, through the
 * registry's backend for its scheme. The caller closes it (`store.close()`).
 */
export async function openBucket(target: { readonly scheme: string; readonly bucket: string }, options: BucketOperationOptions = {}): Promise<BucketStore> {
  const registry = options.registry ?? defaultRegistry;
  const backend = await registry.resolveBackend(target, { ...options.backendOptions, signal: options.signal });
  return new BucketStore(backend);
}
