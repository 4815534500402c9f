export {
  PluginRegistry,
  defaultRegistry,
  registerBackend,
  registerTransport,
  resolveBackend,
  type BucketTarget,
} from './plugin-registry.js';
export { isPlannedPackage, suggestedBackendPackages, suggestedTransportPackage } from './package-names.js';
