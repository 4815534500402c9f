/**
 * firebase-tools' storage emulator (npm, a devDependency of this package),
 * started from launcher/storage-emulator.cjs without its Java rules runtime,
 * in a child process of its own on 127.0.0.1, its temporary files in a
 * directory of ours.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GcsServerCapabilities, GcsServerGaps, GcsTestServer } from './types.js';

/** What the emulator code cannot do (checked against it; see the package README). */
export const FIREBASE_CAPABILITIES: GcsServerCapabilities = {
  preconditions: false,
  buckets: false,
  chunkedResumableUploads: false,
  orderedListings: false,
  maxUploadRequestBytes: 130 * 1024 * 1024,
};

export const FIREBASE_GAPS: GcsServerGaps = {
  preconditions: 'the firebase-tools storage emulator ignores ifGenerationMatch (a create over an existing object overwrites it)',
  buckets: 'the firebase-tools storage emulator cannot create or look up buckets: any request naming a bucket creates it, so a missing bucket cannot be shown',
  chunkedResumableUploads: 'the firebase-tools storage emulator finalizes a resumable upload with its first PUT, so uploads in several chunks fail',
  orderedListings: 'the firebase-tools storage emulator sorts listings in UTF-16 order and returns every common prefix on every page, whatever maxResults says',
  maxUploadRequestBytes: 'the firebase-tools storage emulator refuses request bodies over 130 MB',
};

const PROJECT_ID = 'demo-s3lo';
const START_TIMEOUT_MS = 60_000;

async function freePort(): Promise<number> {
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

function launcherPath(): string {
  // dist/*.js and src/*.ts both sit one level below the package root.
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'launcher', 'storage-emulator.cjs');
}

/**
 * Starts the emulator and resolves once it listens. Its blobs go to a temp
 * directory (TMPDIR of the child) that `stop()` removes; the child is killed
 * by its PID, and with this process when it exits. Killed outright, this
 * process leaves the child orphaned: it notices within a second, removes
 * the directory and exits.
 */
export async function startFirebaseStorageEmulator(): Promise<GcsTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 's3lo-gcs-emulator-'));
  const port = await freePort();
  const child = spawn(process.execPath, [launcherPath(), String(port), PROJECT_ID, dir], {
    env: { ...process.env, TMPDIR: dir, STORAGE_EMULATOR_HOST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killNow = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killNow);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the storage emulator did not start in ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('listening http://')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the storage emulator exited during start-up (${signal ?? `code ${code}`})`));
      });
    });
  } catch (error) {
    killNow();
    await exited;
    process.removeListener('exit', killNow);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${output.slice(-4000)}`);
  }
  // Keep draining its output so it never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  return {
    kind: 'firebase-storage-emulator',
    endpoint: `http://127.0.0.1:${port}`,
    projectId: PROJECT_ID,
    capabilities: FIREBASE_CAPABILITIES,
    gaps: FIREBASE_GAPS,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(killNow, 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killNow);
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
