#!/usr/bin/env node
// s3lo push/pull against Ceph RADOS Gateway, next to what a user would
// otherwise run: the CNCF distribution registry (Debian `docker-registry`)
// with its S3 driver on the same RGW, pushed and pulled with skopeo.
// See bench/s3/README.md.
//
//   node bench/s3/run.mjs [--size 1GiB] [--runs 3] [--memstore 8GiB] [--workdir DIR] [--keep]
//                         [--concurrency N] [--quiet-wait 60] [--quiet-threshold 0.3]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateImage } from '../generate-image.mjs';
import { machineBusySeconds, waitForQuiet } from '../lib/cpu-load.mjs';
import { formatBytes, median, parseSize, sizeLabel } from '../lib/units.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const OP_SCRIPT = join(here, 'op.mjs');
const TIME = '/usr/bin/time';
const HZ = 100;

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    runs: { type: 'string', default: '3' },
    memstore: { type: 'string', default: '8GiB' },
    workdir: { type: 'string', default: join(process.env.TMPDIR || tmpdir(), 's3lo-bench-s3') },
    keep: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    seed: { type: 'string', default: 's3lo-bench' },
    'quiet-wait': { type: 'string', default: '60' },
    'quiet-threshold': { type: 'string', default: '0.3' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 9)
      .join('\n')
      .replace(/^\/\/ ?/gm, ''),
  );
  process.exit(0);
}
const runs = Number(args.runs);
const size = parseSize(args.size);
const memstoreBytes = parseSize(args.memstore);
const concurrency = args.concurrency === undefined ? undefined : Number(args.concurrency);
const workdir = resolve(args.workdir);
const quiet = { maxWaitMs: Number(args['quiet-wait']) * 1000, threshold: Number(args['quiet-threshold']) };
const log = (message) => process.stderr.write(`${message}\n`);

for (const [cmd, hint] of [
  ['skopeo', 'apt-get install -y --no-install-recommends skopeo'],
  ['docker-registry', 'apt-get install -y --no-install-recommends docker-registry'],
]) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is not on PATH (${hint})`);
}
if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is missing: apt-get install -y --no-install-recommends time`);
for (const p of ['packages/core/dist/index.js', 'packages/backend-s3/dist/index.js', 'packages/backend-local/dist/index.js', 'packages/testing/s3-servers/dist/index.js']) {
  if (!existsSync(join(repo, p))) throw new Error(`${p} is missing: run \`pnpm turbo run build\``);
}
const servers = await import(pathToFileURL(join(repo, 'packages/testing/s3-servers/dist/index.js')).href);

// ---------------------------------------------------------------- servers, stopped whatever happens

let ceph; // the current S3TestServer
let registry; // { child, dir, port, bucket }
async function stopRegistry() {
  const r = registry;
  registry = undefined;
  if (!r) return;
  if (r.child.exitCode === null && r.child.signalCode === null) {
    const exited = new Promise((res) => r.child.once('exit', res));
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
async function stopCeph() {
  const c = ceph;
  ceph = undefined;
  if (c) await c.stop();
}
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await stopRegistry().catch((e) => log(`stopping the registry: ${e.message}`));
  await stopCeph().catch((e) => log(`stopping ceph: ${e.message}`));
  if (!args.keep) rmSync(workdir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`\n${signal}: stopping the servers, cleaning ${workdir}`);
    cleanup().finally(() => process.exit(130));
  });
}
// Last resort if the event loop is gone: the registry by its PID (Ceph has the harness' watchdog).
process.on('exit', () => {
  if (registry?.child.exitCode === null) registry.child.kill('SIGKILL');
});

async function startCeph() {
  const t0 = Date.now();
  ceph = await servers.startCephRgw({ memstoreBytes });
  log(`   ceph-rgw ${ceph.endpoint} (memstore ${formatBytes(memstoreBytes)}), started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function startRegistry() {
  const bucket = await ceph.createBucket();
  const port = await servers.freePort();
  const dir = join(workdir, `registry-${bucket}`);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  s3:
    regionendpoint: ${ceph.endpoint}
    region: us-east-1
    bucket: ${bucket}
    accesskey: ${ceph.accessKeyId}
    secretkey: ${ceph.secretAccessKey}
    secure: false
    v4auth: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
health:
  storagedriver:
    enabled: false
`,
  );
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE; // the Go AWS SDK crashes on this machine's bundle
  const child = spawn('docker-registry', ['serve', config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  registry = { child, dir, port, bucket, config };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${port}:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return registry;
}

/** CPU seconds (user+sys) of the server processes: Ceph daemons (their command line names the cluster dir) and the registry. */
function serverCpuSeconds() {
  const marks = [ceph?.dir, registry?.config].filter(Boolean);
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!marks.some((m) => cmdline.includes(m))) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / HZ; // utime, stime
    } catch {}
  }
  return total;
}

// ---------------------------------------------------------------- measuring

/** Runs a command under GNU time: wall time here, peak RSS and CPU from time(1), CPU of the servers and of everything else meanwhile. */
function timed(command, argv, { env = process.env } = {}) {
  const timeFile = join(workdir, `.time-${process.pid}`);
  return new Promise((resolvePromise, reject) => {
    const busyBefore = machineBusySeconds();
    const serverBefore = serverCpuSeconds();
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', '%M %U %S', '-o', timeFile, '--', command, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${command} ${argv.join(' ')} exited with ${code}:\n${stderr}`));
      const [maxRss, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(/\s+/).map(Number);
      rmSync(timeFile, { force: true });
      const serverCpu = serverCpuSeconds() - serverBefore;
      const wallS = wallMs / 1000;
      resolvePromise({
        wallMs,
        stdout,
        maxRssKiB: maxRss,
        cpuMs: (user + sys) * 1000,
        serverCores: serverCpu / wallS,
        otherCores: Math.max(0, machineBusySeconds() - busyBefore - (user + sys) - serverCpu) / wallS,
      });
    });
  });
}

async function s3loOp(spec) {
  const sample = await timed(process.execPath, [
    OP_SCRIPT,
    JSON.stringify({ ...spec, concurrency, endpoint: ceph.endpoint, accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey }),
  ]);
  const reported = JSON.parse(sample.stdout.trim().split('\n').at(-1));
  const { stdout: _s, ...rest } = sample;
  return { ...rest, inOpMs: reported.ms, maxRssKiB: reported.maxRssKiB, result: reported.result };
}

function skopeo(argv) {
  return timed('skopeo', ['copy', '-q', ...argv]).then(({ stdout: _s, ...rest }) => rest);
}

function countBlobs(layout) {
  const dir = join(layout, 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')).length : 0;
}

// ---------------------------------------------------------------- the run

mkdirSync(workdir, { recursive: true });
const startedAt = new Date().toISOString();
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryBytes: totalmem(),
  kernel: release(),
  node: process.version,
  skopeo: spawnSync('skopeo', ['--version'], { encoding: 'utf8' }).stdout.trim(),
  registry: spawnSync('docker-registry', ['--version'], { encoding: 'utf8' }).stdout.trim(),
  ceph: spawnSync('radosgw', ['--version'], { encoding: 'utf8' }).stdout.trim(),
};
log(`s3lo S3 bench: ${machine.cpus} x ${machine.cpuModel}, ${formatBytes(machine.memoryBytes)} RAM, node ${machine.node}; ${machine.skopeo}; ${machine.registry}`);

const samples = {};
let image;
try {
  log(`== ${sizeLabel(size)}: generating the image`);
  image = generateImage({ out: join(workdir, 'image'), size, seed: args.seed, reuse: true, log });
  log(`   ${image.blobs} blobs, ${formatBytes(image.totalBytes)}`);
  const blobs = image.blobs;
  const source = `oci:${image.path}:v1`;
  const out = join(workdir, 'out');
  const fresh = () => rmSync(out, { recursive: true, force: true });
  const ref = (bucket) => `s3://${bucket}/bench/app:v1`;
  const docker = () => `docker://127.0.0.1:${registry.port}/bench/app:v1`;

  let bucket;
  /** Each operation: prepare (untimed), run (timed), check. Order matters: re-push and pull use push's bucket, registry pulls use the push before them. */
  const operations = [
    {
      id: 'push',
      label: 's3lo push oci -> s3:// (cold, new bucket)',
      prepare: async () => (bucket = await ceph.createBucket()),
      run: () => s3loOp({ op: 'push', source, dest: ref(bucket) }),
      check: (r) => r.result.blobsCopied === blobs - 1,
    },
    {
      id: 'repush',
      label: 's3lo re-push, unchanged',
      run: () => s3loOp({ op: 'push', source, dest: ref(bucket) }),
      check: (r) => r.result.blobsCopied === 0,
    },
    {
      id: 'pull',
      label: 's3lo pull s3:// -> fresh oci',
      prepare: fresh,
      run: () => s3loOp({ op: 'pull', source: ref(bucket), dest: `oci:${out}:v1` }),
      check: () => countBlobs(out) === blobs,
      after: fresh,
    },
    {
      id: 'skopeoPush',
      label: 'skopeo push -> registry (default: gzips layers)',
      prepare: async () => {
        await stopRegistry();
        await startRegistry();
      },
      run: () => skopeo(['--dest-tls-verify=false', source, docker()]),
      check: () => true,
    },
    {
      id: 'skopeoPull',
      label: 'skopeo pull registry -> fresh oci (gzipped layers)',
      prepare: fresh,
      run: () => skopeo(['--src-tls-verify=false', docker(), `oci:${out}:v1`]),
      check: () => countBlobs(out) === blobs,
      after: fresh,
    },
    {
      id: 'skopeoPushSame',
      label: 'skopeo push -> registry --preserve-digests (same bytes)',
      prepare: async () => {
        await stopRegistry();
        await startRegistry();
      },
      run: () => skopeo(['--preserve-digests', '--dest-tls-verify=false', source, docker()]),
      check: () => true,
    },
    {
      id: 'skopeoPullSame',
      label: 'skopeo pull registry -> fresh oci (same bytes)',
      prepare: fresh,
      run: () => skopeo(['--preserve-digests', '--dest-oci-accept-uncompressed-layers', '--src-tls-verify=false', docker(), `oci:${out}:v1`]),
      check: () => countBlobs(out) === blobs && readdirSync(join(out, 'blobs', 'sha256')).includes(image.manifestDigest.replace('sha256:', '')),
      after: async () => {
        fresh();
        await stopRegistry();
      },
    },
  ];
  for (const op of operations) samples[op.id] = [];

  for (let round = 0; round <= runs; round++) {
    const warmup = round === 0;
    log(warmup ? '-- warm-up round (not counted)' : `-- run ${round}/${runs}`);
    // A new cluster per round: memstore keeps every byte in RAM and RGW
    // frees deleted data only through its delayed garbage collection.
    await startCeph();
    for (const op of operations) {
      await op.prepare?.();
      spawnSync('sync');
      const waited = await waitForQuiet({ ...quiet, onWait: (busy) => log(`   (machine busy: ${busy.toFixed(2)} cores in use; waiting up to ${quiet.maxWaitMs / 1000} s)`) });
      const sample = await op.run();
      sample.quietWaitMs = waited.waitedMs;
      sample.startedQuiet = waited.quiet;
      if (!op.check(sample)) throw new Error(`${op.label}: unexpected outcome ${JSON.stringify(sample)}`);
      await op.after?.();
      log(
        `   ${op.label.padEnd(56)} ${(sample.wallMs / 1000).toFixed(2).padStart(7)} s  ${(sample.maxRssKiB / 1024).toFixed(0).padStart(5)} MiB  cpu ${(sample.cpuMs / 1000).toFixed(1)} s  servers ${sample.serverCores.toFixed(2)}  other ${sample.otherCores.toFixed(2)} cores`,
      );
      if (!warmup) samples[op.id].push(sample);
    }
    await stopRegistry();
    await stopCeph();
  }

  // ---------------------------------------------------------------- report
  const stats = {};
  for (const op of operations) {
    const list = samples[op.id];
    const pick = (k) => list.map((s) => s[k]);
    const wall = pick('wallMs');
    stats[op.id] = {
      label: op.label,
      runs: list.length,
      wallMs: { median: median(wall), min: Math.min(...wall), max: Math.max(...wall) },
      inOpMs: list[0]?.inOpMs === undefined ? undefined : median(pick('inOpMs')),
      maxRssMiB: Math.max(...pick('maxRssKiB')) / 1024,
      cpuMs: median(pick('cpuMs')),
      serverCores: median(pick('serverCores')),
      otherCores: median(pick('otherCores')),
      mibPerSecond: image.totalBytes / 2 ** 20 / (median(wall) / 1000),
    };
  }
  const m = (id, w = 'median') => stats[id].wallMs[w];
  const ratios = {
    skopeoPushOverPush: m('skopeoPush') / m('push'),
    skopeoPushSameOverPush: m('skopeoPushSame') / m('push'),
    pullOverSkopeoPull: m('pull') / m('skopeoPull'),
    pullOverSkopeoPullSame: m('pull') / m('skopeoPullSame'),
  };
  const report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    options: { size, runs, memstoreBytes, concurrency: concurrency ?? 'library default', quiet },
    image: { blobs, totalBytes: image.totalBytes, manifestDigest: image.manifestDigest },
    stats,
    ratios,
    samples,
  };

  const s = (ms) => (ms / 1000).toFixed(2);
  const v = (ok) => (ok ? 'PASS' : 'MISS');
  const lines = [
    '',
    `# s3lo push/pull on Ceph RGW vs docker-registry + skopeo (${startedAt})`,
    '',
    `Machine: ${machine.cpus} x ${machine.cpuModel}, ${formatBytes(machine.memoryBytes)} RAM (${machine.kernel}); node ${machine.node}; ${machine.skopeo}; ${machine.registry}; ${machine.ceph.split(' (')[0]}.`,
    `Image: ${blobs} blobs, ${formatBytes(image.totalBytes)} (bench/generate-image.mjs, uncompressed tar layers). One single-node Ceph cluster (memstore ${formatBytes(memstoreBytes)}) per round; s3lo and the registry use the same RGW.`,
    `Medians of ${runs} runs after one uncounted warm-up round; \`sync\` and a wait for quiet (< ${quiet.threshold} cores, up to ${quiet.maxWaitMs / 1000} s) before each operation. Wall time of the whole process (Node start-up included for s3lo).`,
    '"servers" = CPU (cores) of ceph-mon/osd/radosgw and docker-registry during the operation; "other load" = CPU of everything else on the machine (above ~0.2 the number is disturbed).',
    '',
    '| operation | median s | min s | max s | MiB/s | peak RSS MiB | CPU s | servers | other load |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [id, o] of Object.entries(stats)) {
    const extra = id === 'repush' ? ` (in-process ${s(o.inOpMs)} s)` : '';
    lines.push(
      `| ${o.label}${extra} | ${s(o.wallMs.median)} | ${s(o.wallMs.min)} | ${s(o.wallMs.max)} | ${id === 'repush' ? '-' : o.mibPerSecond.toFixed(0)} | ${o.maxRssMiB.toFixed(0)} | ${s(o.cpuMs)} | ${o.serverCores.toFixed(2)} | ${o.otherCores.toFixed(2)} |`,
    );
  }
  lines.push(
    '',
    '| target | measured (medians) | goal | verdict |',
    '|---|---:|---:|---|',
    `| push speed-up: skopeo push (default) / s3lo push | ${ratios.skopeoPushOverPush.toFixed(2)}x | >= 2.00x | ${v(ratios.skopeoPushOverPush >= 2)} |`,
    `| push speed-up: skopeo push (--preserve-digests) / s3lo push | ${ratios.skopeoPushSameOverPush.toFixed(2)}x | >= 2.00x | ${v(ratios.skopeoPushSameOverPush >= 2)} |`,
    `| s3lo pull / skopeo pull (gzipped layers) | ${ratios.pullOverSkopeoPull.toFixed(2)}x | <= 1.00x | ${v(ratios.pullOverSkopeoPull <= 1)} |`,
    `| s3lo pull / skopeo pull (same bytes) | ${ratios.pullOverSkopeoPullSame.toFixed(2)}x | <= 1.00x | ${v(ratios.pullOverSkopeoPullSame <= 1)} |`,
    `| s3lo re-push, unchanged (whole process) | ${s(m('repush'))} s | < 3 s | ${v(m('repush') < 3000)} |`,
    `| peak RSS of s3lo push / re-push / pull | ${Math.max(stats.push.maxRssMiB, stats.repush.maxRssMiB, stats.pull.maxRssMiB).toFixed(0)} MiB | | |`,
    '',
  );
  const markdown = lines.join('\n');
  const resultsDir = join(repo, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `s3-${startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(file.replace(/\.json$/, '.md'), markdown);
  process.stdout.write(markdown);
  log(`results written to ${file} (and .md)`);
} finally {
  await cleanup();
}
