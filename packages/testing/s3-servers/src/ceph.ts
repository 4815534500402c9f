/**
 * A single-node Ceph cluster with a RADOS Gateway on 127.0.0.1: one mon, one
 * memstore OSD (data in RAM, capped), one radosgw (beast), cephx auth, no mgr.
 * Everything (config, keyrings, mon store, OSD dir, sockets, logs) lives in
 * one temp dir that stop() removes. Debian packages: ceph-mon ceph-osd
 * radosgw ceph-common (scripts/install-test-servers.sh).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { awsSdk } from './aws-sdk.js';
import { s3ClientConfig, withBucketHelper } from './client.js';
import { freePorts, httpAnswers, makeTempDir, type ManagedProcess, registerDir, run, serverEnv, spawnDaemon, startWatchdog, stopAll, tails, waitUntil } from './process.js';
import { CAPABILITIES, type S3ServerInfo, type S3TestServer, type StartOptions } from './types.js';

export interface CephRgwOptions extends StartOptions {
  /** Memstore capacity in bytes: the most object data the OSD holds, in RAM (default 2 GiB; env S3LO_TEST_CEPH_MEMSTORE_BYTES). */
  memstoreBytes?: number;
  /** Credentials of the S3 user created in RGW. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** How long each daemon gets after SIGTERM before SIGKILL (default 2000 ms). */
  stopGraceMs?: number;
  /** Startup attempts when a port was taken between choosing it and binding it (default 3). */
  attempts?: number;
}

const REQUIRED_COMMANDS = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool'];
const RGW_NAME = 'client.rgw.s3lo';
const DEFAULT_MEMSTORE_BYTES = 2 * 1024 ** 3;

/** Throws, naming the install script, when a Ceph command is missing. */
export async function assertCephInstalled(): Promise<void> {
  const missing: string[] = [];
  await Promise.all(
    REQUIRED_COMMANDS.map(async (command) => {
      try {
        await run('/bin/sh', ['-c', `command -v ${command}`], { timeoutMs: 5000 });
      } catch {
        missing.push(command);
      }
    }),
  );
  if (missing.length > 0) {
    throw new Error(
      `Ceph RADOS Gateway is not installed (missing: ${missing.sort().join(', ')}). ` +
        'Run `bash scripts/install-test-servers.sh` (Debian: ceph-mon ceph-osd radosgw ceph-common), ' +
        'or choose other servers with S3LO_TEST_S3 (e.g. S3LO_TEST_S3=s3rver).',
    );
  }
}

function cephConf(d: string, fsid: string, monPort: number, rgwPort: number, memstoreBytes: number): string {
  return `# Written by @s3lo/s3-servers: a throwaway single-node cluster on 127.0.0.1.
[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${d}/client.admin.keyring
run dir = ${d}/run
admin socket = ${d}/run/$name.$pid.asok
pid file = ${d}/run/$name.pid
log file = ${d}/log/$name.log
crash dir = ${d}/crash
# One OSD: one replica, small pools (rgw makes ~8 pools; 8 PGs each stays
# far below mon_max_pg_per_osd), no autoscaler (no mgr).
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
# Each osdmap change (every pool rgw creates) waits for a paxos proposal:
# 1 s by default made rgw's first start take ~10 s; 50 ms takes ~1 s.
paxos propose interval = 0.05
# Health warnings nobody reads here; a nearly full disk must not stop the mon.
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 1
mon data avail crit = 0

[mon]
mon data = ${d}/mon/$name
keyring = ${d}/mon/$name/keyring

[osd]
osd data = ${d}/osd/$name
keyring = ${d}/osd/$name/keyring
osd objectstore = memstore
memstore device bytes = ${memstoreBytes}

[${RGW_NAME}]
keyring = ${d}/${RGW_NAME}.keyring
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${d}/rgw
# Tails of deleted or overwritten objects are freed by rgw's garbage
# collector, by default after 2 hours: memstore would keep them in RAM.
rgw gc obj min wait = 10
rgw gc processor period = 10
`;
}

interface Attempt {
  server: S3TestServer;
  processes: ManagedProcess[];
}

async function startOnce(options: CephRgwOptions, deadline: number): Promise<Attempt> {
  const log = options.log ?? (() => {});
  const memstoreBytes = options.memstoreBytes ?? (Number(process.env.S3LO_TEST_CEPH_MEMSTORE_BYTES) || DEFAULT_MEMSTORE_BYTES);
  const accessKeyId = options.accessKeyId ?? 's3lo-test-access-key';
  const secretAccessKey = options.secretAccessKey ?? 's3lo-test-secret-key';
  const grace = options.stopGraceMs ?? 2000;

  const d = await makeTempDir('s3lo-ceph-', options.tmpDir);
  registerDir(d);
  const processes: ManagedProcess[] = [];
  const watchdog = startWatchdog(d);
  const logs = [join(d, 'log', 'mon.a.log'), join(d, 'log', 'osd.0.log'), join(d, 'log', `${RGW_NAME}.log`), join(d, 'log', 'radosgw.out')];
  const remaining = () => Math.max(1000, deadline - Date.now());
  try {
    await Promise.all(['run', 'log', 'crash', 'rgw', 'mon', 'osd/osd.0'].map((sub) => mkdir(join(d, sub), { recursive: true })));
    const [monPort, rgwPort] = (await freePorts(2)) as [number, number];
    const fsid = randomUUID();
    const conf = join(d, 'ceph.conf');
    await writeFile(conf, cephConf(d, fsid, monPort, rgwPort, memstoreBytes));
    const env = serverEnv();
    const cmd = (command: string, args: string[]) => run(command, args, { timeoutMs: remaining(), env, cwd: d });

    // Keys for every daemon, made up front and imported into the mon's
    // initial keyring, so no `ceph auth` round trips are needed.
    const monKeyring = join(d, 'mon.keyring');
    const adminKeyring = join(d, 'client.admin.keyring');
    const osdKeyring = join(d, 'osd', 'osd.0', 'keyring');
    const rgwKeyring = join(d, `${RGW_NAME}.keyring`);
    await Promise.all([
      cmd('ceph-authtool', ['--create-keyring', monKeyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']),
      cmd('ceph-authtool', ['--create-keyring', adminKeyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']),
      cmd('ceph-authtool', ['--create-keyring', osdKeyring, '--gen-key', '-n', 'osd.0', '--cap', 'mon', 'allow profile osd', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow profile osd']),
      cmd('ceph-authtool', ['--create-keyring', rgwKeyring, '--gen-key', '-n', RGW_NAME, '--cap', 'mon', 'allow rw', '--cap', 'osd', 'allow rwx']),
      cmd('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, join(d, 'monmap')]),
    ]);
    for (const keyring of [adminKeyring, osdKeyring, rgwKeyring]) {
      await cmd('ceph-authtool', [monKeyring, '--import-keyring', keyring]);
    }
    log(`ceph: mkfs mon in ${d}`);
    await cmd('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(d, 'monmap'), '--keyring', monKeyring]);
    processes.push(spawnDaemon('ceph-mon', 'ceph-mon', ['-f', '-c', conf, '-i', 'a'], { dir: d, logPath: join(d, 'log', 'mon.out'), env }));

    // The OSD id comes from the mon; the OSD's store does not need it.
    const ceph = ['-c', conf, '--connect-timeout', String(Math.ceil(remaining() / 1000))];
    const [osdId] = await Promise.all([cmd('ceph', [...ceph, 'osd', 'create']).then((out) => out.trim()), cmd('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--no-mon-config'])]);
    if (osdId !== '0') throw new Error(`expected OSD id 0, the mon gave ${JSON.stringify(osdId)}`);
    processes.push(spawnDaemon('ceph-osd', 'ceph-osd', ['-f', '-c', conf, '-i', '0'], { dir: d, logPath: join(d, 'log', 'osd.out'), env }));
    // radosgw creates its pools itself and waits until their PGs are active.
    processes.push(spawnDaemon('radosgw', 'radosgw', ['-f', '-c', conf, '-n', RGW_NAME], { dir: d, logPath: join(d, 'log', 'radosgw.out'), env }));
    log(`ceph: mon on ${monPort}, waiting for radosgw on ${rgwPort}`);

    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitUntil(`radosgw to answer HTTP on ${endpoint}`, () => httpAnswers(endpoint), { deadline, processes, intervalMs: 100 });
    await cmd('radosgw-admin', [
      ...['-c', conf, '-n', 'client.admin'],
      ...['user', 'create', '--uid=s3lo-test', '--display-name=s3lo test user'],
      ...[`--access-key=${accessKeyId}`, `--secret=${secretAccessKey}`, '--max-buckets=100000'],
    ]);

    const info: S3ServerInfo = {
      kind: 'ceph-rgw',
      endpoint,
      region: 'us-east-1',
      accessKeyId,
      secretAccessKey,
      capabilities: { ...CAPABILITIES['ceph-rgw'] },
      dir: d,
    };
    // The user answers through S3 (signature, user lookup) before we hand it out.
    const client = new awsSdk.S3Client(s3ClientConfig(info));
    try {
      await client.send(new awsSdk.ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(remaining()) });
    } finally {
      client.destroy();
    }
    // rgw first (it talks to the OSD and mon while it stops), then OSD, mon, watchdog.
    const stopOrder = [...processes].reverse().concat(watchdog);
    const server = withBucketHelper(info, () => stopAll(stopOrder, d, grace));
    return { server, processes };
  } catch (error) {
    const logTails = await tails(logs.concat(join(d, 'log', 'mon.out'), join(d, 'log', 'osd.out')), 20);
    await stopAll([...processes].reverse().concat(watchdog), d, 500);
    // Past the deadline, whichever step broke did so for lack of time (its
    // own timeout is floored at 1 s): say so first, then what broke.
    const cause = (error as Error).message;
    const message = Date.now() >= deadline && !/^timed out/.test(cause) ? `timed out before the deadline (${cause})` : cause;
    const wrapped = new Error(`Ceph RGW did not start: ${message}\n${logTails}`, { cause: error });
    (wrapped as Error & { portTaken?: boolean }).portTaken = /Address already in use|EADDRINUSE/i.test(logTails + message);
    throw wrapped;
  }
}

/**
 * Starts a single-node Ceph cluster with RADOS Gateway on free loopback
 * ports (~2.5 s on 2 cores) and creates an S3 user. Every wait is bounded by
 * `startTimeoutMs` (default 60 s); a failed start kills what it started and
 * the error carries the daemons' log tails.
 */
export async function startCephRgw(options: CephRgwOptions = {}): Promise<S3TestServer> {
  await assertCephInstalled();
  const attempts = options.attempts ?? 3;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return (await startOnce(options, deadline)).server;
    } catch (error) {
      const portTaken = (error as { portTaken?: boolean }).portTaken === true;
      if (!portTaken || attempt >= attempts || Date.now() >= deadline) throw error;
      options.log?.(`ceph: a port was taken meanwhile, starting again (attempt ${attempt + 1})`);
    }
  }
}
