import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../../vitest.shared.js';

export default mergeConfig(sharedVitestConfig(import.meta.dirname, { testTimeout: 120_000 }), {
  test: { globalSetup: ['@s3lo/azurite-server/global-setup'] },
});
