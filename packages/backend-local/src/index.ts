/**
 * `@s3lo/backend-local`: the s3lo storage backend for a directory on the
 * local filesystem (`local://` references). Register it with
 * `registerBackend(plugin)`; use {@link LocalBackend} directly to work with
 * a directory without the plugin registry.
 * @module
 */
import { plugin } from './plugin.js';

export { plugin };
export { LocalBackend, type LocalBackendOptions } from './local-backend.js';
export default plugin;
