/**
 * `@s3lo/backend-gcs`: the s3lo storage backend for Google Cloud Storage
 * (`gs://` references). Register it with `registerBackend(plugin)`; use
 * {@link GcsBackend} directly to work with a bucket without the plugin
 * registry. The Google Cloud SDK is imported on first use.
 * @module
 */
import { plugin } from './plugin.js';

export { plugin };
export { GcsBackend } from './gcs-backend.js';
export type { GcsBackendOptions, GcsCredentials } from './options.js';
export default plugin;
