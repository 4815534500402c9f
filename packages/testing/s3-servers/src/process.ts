/**
 * Child-process plumbing shared by the local servers: sanitised environment,
 * free loopback ports, daemons in their own process groups, bounded waits,
 * log tails for error messages, and cleanup that also happens when the test
 * run is interrupted (signals, `exit`) or killed outright (a watchdog).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Variables removed from the environment of every program this package
 * starts (the one place where it is sanitised):
 * - AWS_CA_BUNDLE: this machine kind sets it; programs built on the AWS Go
 *   SDK (e.g. docker-registry's S3 driver) crash on it. Neither Ceph nor
 *   s3rver reads it, but whatever is started through here is safe.
 * - CEPH_ARGS, CEPH_CONF, CEPH_KEYRING: would point our `ceph`/`radosgw-admin`
 *   calls at another cluster or keyring.
 */
export const DROPPED_ENV_VARS = ['AWS_CA_BUNDLE', 'CEPH_ARGS', 'CEPH_CONF', 'CEPH_KEYRING'] as const;

export function serverEnv(extra: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of DROPPED_ENV_VARS) delete env[name];
  return { ...env, ...extra };
}

/**
 * A free TCP port on 127.0.0.1: bind port 0, read the port, close. Another
 * process can take the port between this close and the server's own bind
 * (a tiny window); the start functions then see "Address already in use"
 * in the server's log and start again on new ports.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

/** Distinct free ports (the OS could hand the same one out twice after a close). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Whether `promise` settled within `ms`; the timer is cleared either way (it must not hold the process). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function makeTempDir(prefix: string, parent?: string): Promise<string> {
  return mkdtemp(join(parent ?? tmpdir(), prefix));
}

/** The last `lines` lines of a file, or a note that it cannot be read. */
export async function tail(path: string, lines = 25): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    const all = text.trimEnd().split('\n');
    return all.slice(-lines).join('\n') || '(empty)';
  } catch (error) {
    return `(cannot read ${path}: ${(error as Error).message})`;
  }
}

export async function tails(paths: string[], lines = 25): Promise<string> {
  const parts = await Promise.all(paths.map(async (path) => `--- ${path} (last ${lines} lines) ---\n${await tail(path, lines)}`));
  return parts.join('\n');
}

/** Runs a command to completion (bounded), returns stdout; the error carries stderr. */
export function run(command: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs, killSignal: 'SIGKILL', env: options.env ?? serverEnv(), cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const how = error.killed ? `timed out after ${options.timeoutMs} ms` : `failed (${error.code ?? error.signal ?? error.message})`;
          reject(new Error(`${command} ${args.join(' ')} ${how}\n${String(stderr).trim() || String(stdout).trim()}`));
        } else {
          resolve(String(stdout));
        }
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Process groups that must not outlive this process.

const liveGroups = new Map<number, string>(); // pgid -> name
const liveDirs = new Set<string>();
let hooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** Kills every registered group and removes every registered dir, synchronously. */
export function killEverythingNow(): void {
  for (const pgid of liveGroups.keys()) killGroup(pgid, 'SIGKILL');
  liveGroups.clear();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort at exit.
    }
  }
  liveDirs.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killEverythingNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killEverythingNow();
      // Ours was the only handler: do what the signal would have done.
      // Otherwise the others (vitest's) decide how to end the process.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

/** Registers a temp dir to be removed at exit when nothing else removed it. */
export function registerDir(dir: string): void {
  installExitHooks();
  liveDirs.add(dir);
}

export function forgetDir(dir: string): void {
  liveDirs.delete(dir);
}

/**
 * A `sh` process, in its own group, that waits for this process to go away
 * (even by SIGKILL, when no exit hook runs) and then kills the process groups
 * listed in DIR/.pgids and removes DIR. stop() kills it after the daemons.
 */
const WATCHDOG_SCRIPT = `
parent="$1"; dir="$2"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if [ -f "$dir/.pgids" ]; then
  for g in $(cat "$dir/.pgids"); do kill -TERM "-$g" 2>/dev/null; done
  sleep 2
  for g in $(cat "$dir/.pgids"); do kill -KILL "-$g" 2>/dev/null; done
fi
rm -rf -- "$dir"
`;

export function startWatchdog(dir: string): ManagedProcess {
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 's3lo-s3-servers-watchdog', String(process.pid), dir], {
    detached: true,
    stdio: 'ignore',
    env: serverEnv(),
  });
  child.unref();
  return new ManagedProcess('watchdog', child, undefined);
}

/** A daemon in its own process group, its output in a log file, killed with its group. */
export class ManagedProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logPath: string | undefined,
  ) {
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    const pid = child.pid;
    installExitHooks();
    liveGroups.set(pid, name);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** SIGTERM to the group, up to graceMs to exit, then SIGKILL to the group. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.exitInfo) {
        killGroup(this.pid, 'SIGTERM');
        if (!(await settlesWithin(this.exited, graceMs))) killGroup(this.pid, 'SIGKILL');
      }
      // The leader may be gone while others of its group are not.
      killGroup(this.pid, 'SIGKILL');
      // SIGKILL cannot be refused: the exit comes, if late on a busy machine
      // (an OSD frees its in-memory store first). Waiting for it is what lets
      // callers rely on the port being closed once stop() returns; the bound
      // is only for a process stuck in the kernel.
      await settlesWithin(this.exited, 60_000);
      liveGroups.delete(this.pid);
    })();
    return this.stopping;
  }
}

/**
 * Starts `command` as the leader of a new process group (so the whole group
 * can be killed), stdout and stderr appended to `logPath`, and records the
 * group in DIR/.pgids for the watchdog.
 */
export function spawnDaemon(name: string, command: string, args: string[], options: { dir: string; logPath: string; env?: NodeJS.ProcessEnv; cwd?: string }): ManagedProcess {
  const fd = openSync(options.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: options.env ?? serverEnv(),
      cwd: options.cwd ?? options.dir,
    });
  } finally {
    closeSync(fd);
  }
  child.unref();
  if (child.pid === undefined) throw new Error(`cannot start ${command}: is it installed?`);
  appendFileSync(join(options.dir, '.pgids'), `${child.pid}\n`);
  return new ManagedProcess(name, child, options.logPath);
}

/** Throws at once when one of `processes` has exited (a daemon died during startup). */
export function assertAlive(processes: ManagedProcess[]): void {
  for (const p of processes) {
    if (p.exitInfo) {
      const how = p.exitInfo.signal ? `signal ${p.exitInfo.signal}` : `code ${p.exitInfo.code}`;
      throw new Error(`${p.name} exited during startup (${how})`);
    }
  }
}

/** Polls `check` until it returns true; bounded by the deadline; fails fast when a daemon died. */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: { deadline: number; intervalMs?: number; processes?: ManagedProcess[] }): Promise<void> {
  for (;;) {
    assertAlive(options.processes ?? []);
    if (await check()) return;
    if (Date.now() >= options.deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(options.intervalMs ?? 100);
  }
}

/** Whether an HTTP server answers (any status) at url. */
export async function httpAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Stops processes (in order, each bounded), then removes the dir. */
export async function stopAll(processes: ManagedProcess[], dir: string | undefined, graceMs: number): Promise<void> {
  for (const p of processes) await p.stop(graceMs);
  if (dir) {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    forgetDir(dir);
  }
}
