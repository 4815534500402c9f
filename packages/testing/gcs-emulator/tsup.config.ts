import { defineConfig } from 'tsup';

// Built like the other workspace packages so test packages import plain ESM.
// vitest is a peer (one vitest instance runs the tests); firebase-tools is
// loaded by the launcher script in a child process.
export default defineConfig({
  entry: { index: 'src/index.ts', 'global-setup': 'src/global-setup.ts', vitest: 'src/vitest.ts' },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
});
