import { sharedVitestConfig } from '../../../vitest.shared.js';

// Packing and `npm install` take seconds, more on a busy machine.
export default sharedVitestConfig(import.meta.dirname, { testTimeout: 120_000 });
