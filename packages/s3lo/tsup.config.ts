import { defineConfig } from 'tsup';

// The s3lo command as one package with nothing to install beside it: the
// build of @s3lo/cli (its bin, dist/s3lo.js) with everything it imports
// (core, the first-party plugins, the AWS SDK, tar, yaml) bundled in.
//
// Split, not one file: the CLI imports each command, each plugin and YAML
// with import() when it needs them, and esbuild's code splitting keeps
// those apart in dist/chunks/, so `s3lo --version` reads only the entry and
// a small chunk or two, and `s3lo list local://...` never evaluates the AWS
// SDK (one file of 2.3 MB took 0.15 s to start, 4x `node -e 0`; see
// bench/startup.mjs).
//
// ESM (.mjs) so third-party plugins load through a real import(); a
// CommonJS bundle would turn it into require().
export default defineConfig({
  entry: { s3lo: 'node_modules/@s3lo/cli/dist/s3lo.js' },
  outDir: 'dist',
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  noExternal: [/.*/],
  splitting: true,
  sourcemap: false,
  dts: false,
  clean: true,
  keepNames: true,
  minify: false,
  outExtension: () => ({ js: '.mjs' }),
  esbuildOptions(options) {
    options.chunkNames = 'chunks/[name]-[hash]';
  },
  // Bundled CommonJS dependencies call require() for Node built-ins,
  // which an ES module does not have: give them one.
  banner: { js: "import { createRequire as __s3loCreateRequire } from 'node:module';\nconst require = __s3loCreateRequire(import.meta.url);" },
});
