/**
 * s3rver 3.7.1 (npm): a small S3 server in Node, files in a temp dir. Quick
 * to start; lacks conditional writes, ListMultipartUploads and MaxKeys with
 * a Delimiter (see CAPABILITIES).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { withBucketHelper } from './client.js';
import { freePort, httpAnswers, makeTempDir, type ManagedProcess, registerDir, serverEnv, spawnDaemon, startWatchdog, stopAll, tails, waitUntil } from './process.js';
import { CAPABILITIES, type S3ServerInfo, type S3TestServer, type StartOptions } from './types.js';

export interface S3rverOptions extends StartOptions {
  /** Startup attempts when the port was taken between choosing and binding it (default 3). */
  attempts?: number;
}

/** Where s3rver's CLI is, resolved from this package (s3rver is its dependency). */
export function s3rverBin(): string {
  return createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
}

async function startOnce(options: S3rverOptions, deadline: number): Promise<S3TestServer> {
  const d = await makeTempDir('s3lo-s3rver-', options.tmpDir);
  registerDir(d);
  const watchdog = startWatchdog(d);
  const logPath = join(d, 's3rver.log');
  const processes: ManagedProcess[] = [];
  try {
    const port = await freePort();
    const data = join(d, 'data');
    // --openssl-legacy-provider: s3rver encrypts continuation tokens with a
    // cipher OpenSSL 3 only has in its legacy provider; without it every
    // listing that needs a continuation token answers 500.
    const args = ['--openssl-legacy-provider', s3rverBin(), '-d', data, '-a', '127.0.0.1', '-p', String(port), '--silent'];
    processes.push(spawnDaemon('s3rver', process.execPath, args, { dir: d, logPath, env: serverEnv() }));
    const endpoint = `http://127.0.0.1:${port}`;
    options.log?.(`s3rver: waiting for ${endpoint}`);
    await waitUntil(`s3rver to answer HTTP on ${endpoint}`, () => httpAnswers(endpoint), { deadline, processes, intervalMs: 50 });
    const info: S3ServerInfo = {
      kind: 's3rver',
      endpoint,
      region: 'us-east-1',
      // s3rver's fixed credentials.
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      capabilities: { ...CAPABILITIES.s3rver },
      dir: d,
    };
    return withBucketHelper(info, () => stopAll([...processes, watchdog], d, 2000));
  } catch (error) {
    const logTail = await tails([logPath], 30);
    await stopAll([...processes, watchdog], d, 500);
    const wrapped = new Error(`s3rver did not start: ${(error as Error).message}\n${logTail}`, { cause: error });
    (wrapped as Error & { portTaken?: boolean }).portTaken = /EADDRINUSE/.test(logTail);
    throw wrapped;
  }
}

/** Starts s3rver on a free loopback port (Node with --openssl-legacy-provider), data in a temp dir. */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3TestServer> {
  const attempts = options.attempts ?? 3;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, deadline);
    } catch (error) {
      const portTaken = (error as { portTaken?: boolean }).portTaken === true;
      if (!portTaken || attempt >= attempts || Date.now() >= deadline) throw error;
    }
  }
}
