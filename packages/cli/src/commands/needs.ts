import type { ref } from '@s3lo/core';
import type { PluginNeeds } from './command.js';

/** The plugins that locations need: bucket schemes, and transports for what core does not serve itself. */
export function needsOf(locations: readonly (ref.ImageLocation | ref.BucketLocation)[]): PluginNeeds {
  const schemes = new Set<string>();
  const transports = new Set<string>();
  for (const location of locations) {
    if (location.kind === 'bucket-image' || location.kind === 'bucket') schemes.add(location.scheme);
    // OCI layout directories are built into core.
    else if (location.kind !== 'oci') transports.add(location.kind);
  }
  return { schemes: [...schemes], transports: [...transports] };
}
