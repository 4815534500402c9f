/**
 * Running the `s3lo` CLI and the library child (fixtures/library-child.mjs)
 * as processes, optionally SIGKILLed when a line they print says they have
 * reached a point: an event, not a pause.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built `s3lo` of @s3lo/cli, as its bin runs it. */
export const CLI = join(dirname(createRequire(import.meta.url).resolve('@s3lo/cli/package.json')), 'dist', 's3lo.js');
const LIBRARY_CHILD = fileURLToPath(new URL('../fixtures/library-child.mjs', import.meta.url));

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether this side sent the SIGKILL (a child may also kill itself). */
  readonly killedByUs: boolean;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Called with each stderr line; returning true SIGKILLs the process at once. */
  readonly killOnStderrLine?: (line: string, index: number) => boolean;
}

/** An environment without the developer's plugins or AWS settings leaking in. */
function cleanEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'S3LO_PLUGINS' || name === 'NODE_PATH' || name.startsWith('npm_')) continue;
    if (name.startsWith('AWS_') && name !== 'AWS_CA_BUNDLE') continue;
    env[name] = value;
  }
  return { ...env, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

export function runNode(args: readonly string[], options: RunOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: cleanEnv(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killedByUs = false;
    let index = 0;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      if (!killedByUs && options.killOnStderrLine?.(line, index++) === true) {
        killedByUs = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, killedByUs }));
  });
}

/** `s3lo <args>`. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<Finished> {
  return runNode([CLI, ...args], options);
}

/** The spec fixtures/library-child.mjs takes (see there). */
export interface LibrarySpec {
  readonly op: 'push' | 'gc';
  readonly source?: string;
  readonly destination: string;
  readonly backendOptions: Record<string, unknown>;
  readonly concurrency?: number;
  readonly batchSize?: number;
  readonly kill: null | { readonly kind: 'bytes'; readonly at: number } | { readonly kind: 'op'; readonly at: number; readonly when: 'before' | 'after' };
}

export function runLibraryChild(spec: LibrarySpec): Promise<Finished> {
  return runNode([LIBRARY_CHILD, JSON.stringify(spec)]);
}
