import { createRequire } from 'node:module';

/**
 * `@aws-sdk/client-s3`, loaded with Node's `require`.
 *
 * vitest loads a globalSetup file (this package's, in every package that uses
 * it) through vite, whose resolver takes the SDK's `module` field: ES modules
 * in `.js` files of a package that is not `"type": "module"`, which Node
 * cannot import, so vitest transforms all ~700 of them before the setup can
 * start a server. That was ~3 s of CPU per test run on an idle machine and
 * several times more while the whole suite runs on two busy cores, enough to
 * push a nested test run past its budget. `require` takes the CommonJS build
 * Node itself picks for `import` of the package (as test workers do): the
 * same module, loaded natively, whatever the consumer's vitest config.
 */
const requireNative = createRequire(import.meta.url);
export const awsSdk = requireNative('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
