/**
 * `@s3lo/cli`: the `s3lo` command. The package's bin is `dist/s3lo.js`;
 * this entry lets a program run a command line in-process (wrappers,
 * tests), with its own streams and stop signal.
 *
 * @example
 * ```ts
 * import { run } from '@s3lo/cli';
 * const code = await run(['list', 'local://./store', '-o', 'json'], {
 *   io: { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
 * });
 * ```
 * @module
 */
export { run, type RunOptions, type CliIo } from './cli.js';
export { ExitCode } from './errors/exit-codes.js';
export { InterruptedError } from './errors/abort-reasons.js';
export { VERSION } from './version.js';
