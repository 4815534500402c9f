/**
 * `@s3lo/backend-azure`: the s3lo storage backend for Azure Blob Storage
 * (`az://` references). Register it with `registerBackend(plugin)`; use
 * {@link AzureBackend} directly to work with a container without the plugin
 * registry. The Azure SDK is imported on first use.
 * @module
 */
import { plugin } from './plugin.js';

export { plugin };
export { AzureBackend } from './azure-backend.js';
export type { AzureAccessTier, AzureBackendOptions } from './options.js';
export default plugin;
