import { defineConfig } from 'tsup';

// @s3lo/core is a peer and stays external: the plugin must share the host's
// copy (its error marker and contract version).
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
