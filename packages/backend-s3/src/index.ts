/**
 * `@s3lo/backend-s3`: the s3lo storage backend for Amazon S3 and
 * S3-compatible stores (`s3://` references). Register it with
 * `registerBackend(plugin)`; use {@link S3Backend} directly to work with a
 * bucket without the plugin registry. The AWS SDK is imported on first use.
 * @module
 */
import { plugin } from './plugin.js';

export { plugin };
export { S3Backend } from './s3-backend.js';
export type { S3BackendOptions, S3Credentials } from './options.js';
export default plugin;
