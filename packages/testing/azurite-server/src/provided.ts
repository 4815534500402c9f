import type {} from 'vitest';
import type { AzuriteInfo } from './azurite.js';

/** The key under which the global setup provides the server to test files. */
export const PROVIDED_KEY = 's3loAzurite';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running Azurite (plain data), set by `@s3lo/azurite-server/global-setup`. */
    s3loAzurite: AzuriteInfo;
  }
}
