import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __S3LO_VERSION__: JSON.stringify(version) };

export default defineConfig([
  // The package: `dist/s3lo.js` (the bin) and `dist/index.js` (run() for
  // programs). Dependencies stay external, as npm installs them.
  {
    entry: { s3lo: 'src/main.ts', index: 'src/index.ts' },
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    dts: { entry: { index: 'src/index.ts' } },
    // No source maps in the package: dist is unminified ESM with names kept.
    sourcemap: false,
    // Both builds run at once: leave the standalone build's folder alone.
    clean: ['!standalone/**'],
    keepNames: true,
    define,
  },
  // The single-file executable: everything (core, first-party plugins,
  // tar, yaml) in `dist/standalone/s3lo.mjs`, runnable with nothing but
  // Node >= 22 beside it. ESM (.mjs) so third-party plugins load through a
  // real import(); a CommonJS bundle would turn it into require().
  {
    entry: { s3lo: 'src/main.ts' },
    outDir: 'dist/standalone',
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    noExternal: [/.*/],
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: true,
    keepNames: true,
    minify: false,
    define,
    outExtension: () => ({ js: '.mjs' }),
    // Bundled CommonJS dependencies call require() for Node built-ins,
    // which an ES module does not have: give them one.
    banner: { js: "import { createRequire as __s3loCreateRequire } from 'node:module';\nconst require = __s3loCreateRequire(import.meta.url);" },
  },
]);
