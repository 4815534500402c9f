import { sharedVitestConfig } from '../../vitest.shared.js';

// The tests run the bundled executable as a subprocess.
export default sharedVitestConfig(import.meta.dirname, { testTimeout: 120_000 });
