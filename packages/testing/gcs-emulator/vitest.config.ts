import { mergeConfig } from 'vitest/config';
import { sharedVitestConfig } from '../../../vitest.shared.js';

// The package's own tests use its global setup from source.
export default mergeConfig(sharedVitestConfig(import.meta.dirname), {
  test: { globalSetup: ['./src/global-setup.ts'] },
});
