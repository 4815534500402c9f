import { defineConfig } from 'tsup';

// Built like the other test packages, so other packages' tests import plain ESM.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: true,
  clean: true,
});
