import type { ref } from '@s3lo/core';
import type { PluginNeeds } from './command.js';

/** The plugins that locations need: bucket schemes, and transports for what core does not serve itself. */
export function needsOf(locations: readonly (ref.ImageLocation | ref.BucketLocation)[]): PluginNeeds {
  const schemes = new Set<string>();
  const transports = new Set<string>();
  const buckets = new Map<string, { scheme: string; bucket: string; path: string; reference: string }>();
  for (const location of locations) {
    if (location.kind === 'bucket-image' || location.kind === 'bucket') {
      schemes.add(location.scheme);
      const path = location.kind === 'bucket-image' ? location.image : location.prefix;
      buckets.set(`${location.scheme}://${location.bucket}/${path}`, { scheme: location.scheme, bucket: location.bucket, path, reference: location.toString() });
    } else if (location.kind !== 'oci') {
      // OCI layout directories are built into core.
      transports.add(location.kind);
    }
  }
  return { schemes: [...schemes], transports: [...transports], buckets: [...buckets.values()] };
}
