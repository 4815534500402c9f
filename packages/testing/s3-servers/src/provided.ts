import type {} from 'vitest';
import type { S3ServerInfo } from './types.js';

/** The key under which the global setup provides the servers to test files. */
export const PROVIDED_KEY = 's3loS3Servers';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running S3 servers (plain data), set by `@s3lo/s3-servers/global-setup`. */
    s3loS3Servers: S3ServerInfo[];
  }
}
