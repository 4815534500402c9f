import { defineConfig } from 'tsup';

// One entry per public subpath, so `@s3lo/core/ref` etc. resolve to their own
// files and share code through chunks instead of duplicating it.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'ref/index': 'src/ref/index.ts',
    'oci/index': 'src/oci/index.ts',
    'storage/index': 'src/storage/index.ts',
    'image/index': 'src/image/index.ts',
  },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  // Declarations: `tsc -p tsconfig.build.json` (see there why not tsup).
  dts: false,
  // No source maps in the package: dist is unminified ESM with names kept, so a
  // stack trace reads as is, and maps (with sourcesContent) doubled the tarball.
  sourcemap: false,
  clean: true,
  splitting: true,
  // Keep class names (BucketImageReference, S3loError) readable in logs.
  keepNames: true,
});
