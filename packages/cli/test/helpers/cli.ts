import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

/** The built CLI, as the package's bin runs it. Tests drive it as a subprocess: what users run. */
export const CLI = resolve(import.meta.dirname, '../../dist/s3lo.js');
/** The fixture third-party plugin package (s3lo-backend-memfs). */
export const FIXTURE_PLUGIN = resolve(import.meta.dirname, '../../../testing/cli-plugin-fixture');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Run this file instead of dist/s3lo.js (the bundled executable of packages/s3lo). */
  readonly script?: string;
}

/** An environment without the developer's plugin settings leaking in. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'S3LO_PLUGINS' && k !== 'NODE_PATH' && !k.startsWith('npm_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `node <cli> ...args` to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  return finished(child);
}

/** Starts the CLI and returns the child, for tests that signal it mid-run. */
export function spawnCli(args: readonly string[], options: CliOptions = {}) {
  const child = spawn(process.execPath, [options.script ?? CLI, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return Object.assign(child, { output: () => ({ stdout, stderr }) });
}

export function finished(child: ReturnType<typeof spawnCli>): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, ...child.output() }));
  });
}

/** Runs the CLI with `-o json` and parses stdout, failing loudly with stderr when it did not exit 0. */
export async function runJson<T = unknown>(args: readonly string[], options: CliOptions = {}): Promise<T> {
  const result = await runCli([...args, '-o', 'json'], options);
  if (result.code !== 0) throw new Error(`s3lo ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const created: string[] = [];
afterAll(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the file's tests. */
export async function tempDir(prefix = 's3lo-cli-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
