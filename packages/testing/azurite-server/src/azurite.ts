/**
 * Azurite 3.37.0 (npm), Microsoft's Azure Storage emulator: only its blob
 * service, in memory, on a free loopback port, in its own process group.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
/** The development account's key (public, documented by Microsoft). */
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** What tests need to reach a running Azurite (plain data: it crosses vitest's worker boundary). */
export interface AzuriteInfo {
  /** The blob endpoint with the account in the path: `http://127.0.0.1:PORT/devstoreaccount1`. */
  readonly blobEndpoint: string;
  readonly accountName: string;
  readonly accountKey: string;
  /** A connection string for the development account on this server. */
  readonly connectionString: string;
}

/** A running Azurite and how to stop it. */
export interface AzuriteServer extends AzuriteInfo {
  /** Kills the server's process group and waits for it to exit. */
  stop(): Promise<void>;
}

/** The connection string of the development account at `blobEndpoint`. */
export function connectionString(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Where Azurite's blob server is, resolved from this package (azurite is its dependency). */
export function azuriteBlobBin(): string {
  return createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
}

/**
 * Starts Azurite's blob service in memory on a free loopback port.
 * `--skipApiVersionCheck`: the SDK speaks a newer API version than Azurite
 * knows; `--loose`: ignore headers Azurite does not implement.
 */
export async function startAzurite(options: { startTimeoutMs?: number } = {}): Promise<AzuriteServer> {
  const port = await freePort();
  const args = [azuriteBlobBin(), '--blobHost', '127.0.0.1', '--blobPort', String(port), '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent'];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const kill = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: already gone.
    }
  };
  // vitest ending by a signal or an exception must not leave the daemon running.
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', kill);
    kill();
    await exited;
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await portOpen(port))) {
    if (gone || Date.now() > deadline) {
      await stop();
      throw new Error(`azurite did not start on 127.0.0.1:${port}${gone ? ' (it exited)' : ' in time'}\n${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const blobEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  return { blobEndpoint, accountName: DEV_ACCOUNT, accountKey: DEV_ACCOUNT_KEY, connectionString: connectionString(blobEndpoint), stop };
}
