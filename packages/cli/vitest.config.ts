import { sharedVitestConfig } from '../../vitest.shared.js';

// The tests run the built CLI as a subprocess; some push hundreds of MiB.
export default sharedVitestConfig(import.meta.dirname, { testTimeout: 120_000 });
