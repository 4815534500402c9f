import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, cleanEnv, type CliResult } from './cli.js';

/**
 * Real read-only and full file systems for tests: a small tmpfs mounted in
 * a mount namespace of the CLI's own (`unshare -m`), so the mount exists
 * only while that one process runs and vanishes with it, whatever happens to
 * the test. Needs root (or CAP_SYS_ADMIN) and util-linux's `unshare`.
 */

// $1 mount point, $2 tmpfs size, $3 ro|rw, $4 directory copied in first ('' for none), then the command.
// After the command: the files left on the mount, for "nothing left behind" checks.
const SCRIPT = `
set -e
mnt="$1"; size="$2"; mode="$3"; seed="$4"; shift 4
mount -t tmpfs -o "size=$size" tmpfs "$mnt"
if [ -n "$seed" ]; then cp -a "$seed"/. "$mnt"/; fi
if [ "$mode" = ro ]; then mount -o remount,ro "$mnt"; fi
set +e
"$@"
code=$?
echo "::files::"
cd "$mnt" && find . -type f | sort
exit $code
`;

/** Why mount tests cannot run here, or undefined when they can. */
export const cannotMount: string | undefined = (() => {
  const dir = mkdtempSync(join(tmpdir(), 's3lo-mount-probe-'));
  try {
    const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', dir], { encoding: 'utf8' });
    if (probe.error !== undefined) return `unshare is not installed (${probe.error.message})`;
    return probe.status === 0 ? undefined : `this user cannot mount a tmpfs in a private mount namespace: ${probe.stderr.trim()}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

export interface MountedRun extends CliResult {
  /** Files on the mount after the command, relative (`./a/b`), sorted. */
  readonly files: string[];
}

export interface MountOptions {
  /** An existing empty directory to mount the tmpfs on. */
  readonly at: string;
  /** tmpfs size, e.g. `1m`. */
  readonly size: string;
  readonly readOnly: boolean;
  /** A directory whose contents are copied onto the mount before it is made read-only. */
  readonly seed?: string;
  readonly cwd: string;
}

/** Runs the built CLI with a fresh tmpfs mounted at `at`, for that run only. */
export function runCliOnMount(args: readonly string[], options: MountOptions): Promise<MountedRun> {
  const child = spawn(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', SCRIPT, 'sh', options.at, options.size, options.readOnly ? 'ro' : 'rw', options.seed ?? '', process.execPath, CLI, ...args],
    { cwd: options.cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const [out = '', listing = ''] = stdout.split('::files::\n');
      resolve({ code, signal, stdout: out, stderr, files: listing.split('\n').filter((line) => line !== '') });
    });
  });
}
