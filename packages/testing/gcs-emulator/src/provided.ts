import type {} from 'vitest';
import type { GcsServerInfo } from './types.js';

/** The key under which the global setup provides the server to test files. */
export const PROVIDED_KEY = 's3loGcsServer';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running GCS server (plain data), set by `@s3lo/gcs-emulator/global-setup`. */
    s3loGcsServer: GcsServerInfo;
  }
}
