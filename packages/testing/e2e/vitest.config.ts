import { sharedVitestConfig } from '../../../vitest.shared.js';

// Builds real images with umoci/buildah and runs skopeo on everything: slow
// per test, not per byte, so the timeout is generous.
export default sharedVitestConfig(import.meta.dirname, { testTimeout: 180_000 });
