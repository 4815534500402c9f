import { defineConfig } from 'tsup';

// Built like the published packages so backends import plain ESM; vitest and
// @s3lo/core are peers and stay external (one vitest instance runs the tests).
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: true,
  // No source maps in the package: dist is unminified ESM with names kept, so a
  // stack trace reads as is, and maps (with sourcesContent) doubled the tarball.
  sourcemap: false,
  clean: true,
});
