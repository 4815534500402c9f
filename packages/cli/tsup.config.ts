import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __S3LO_VERSION__: JSON.stringify(version) };

export default defineConfig([
  // The package: `dist/s3lo.js` (the bin) and `dist/index.js` (run() for
  // programs). Dependencies stay external, as npm installs them. Chunks
  // split at every import(), so each command, plugin and YAML load only
  // when used. The bundled executable is another package (packages/s3lo),
  // made from this build.
  {
    entry: { s3lo: 'src/main.ts', index: 'src/index.ts' },
    format: ['esm'],
    target: 'node22',
    platform: 'node',
    dts: { entry: { index: 'src/index.ts' } },
    // No source maps in the package: dist is unminified ESM with names kept.
    sourcemap: false,
    clean: true,
    keepNames: true,
    define,
  },
]);
