export {
  PluginRegistry,
  defaultRegistry,
  registerBackend,
  resolveBackend,
  type BucketTarget,
} from './plugin-registry.js';
export { suggestedBackendPackages } from './package-names.js';
