import { basename, join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Settings every package's vitest config starts from. Besides the console,
 * each run writes a JSON report to `<repo>/.test-results/<package>.json`, from
 * which `scripts/test-summary.mjs` prints one total for the whole repository.
 */
export function sharedVitestConfig(packageDir: string, overrides: { testTimeout?: number; include?: string[] } = {}) {
  const name = basename(packageDir);
  return defineConfig({
    test: {
      include: overrides.include ?? ['test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      reporters: ['default', ['json', { outputFile: join(import.meta.dirname, '.test-results', `${name}.json`) }]],
    },
  });
}
