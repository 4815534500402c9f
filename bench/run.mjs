#!/usr/bin/env node
// s3lo push/pull benchmark against local://, next to skopeo and the
// physical limit, on this machine, in one run. See bench/README.md.
//
//   node bench/run.mjs [--size 1GiB] [--also-size 4GiB] [--runs 3] [--workdir DIR] [--keep]
//                      [--concurrency N] [--api auto|dist|source] [--no-extras] [--profile]
//                      [--quiet-wait 120] [--quiet-threshold 0.3] [--nice=0]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateImage } from './generate-image.mjs';
import { buildBundle } from './lib/api.mjs';
import { machineBusySeconds, waitForQuiet } from './lib/cpu-load.mjs';
import { summariseProfile } from './lib/cpuprofile.mjs';
import { formatBytes, median, parseSize, sizeLabel } from './lib/units.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const OP_SCRIPT = join(here, 'lib', 'op.mjs');
const MARKER = '.s3lo-bench-workdir';
const TIME = '/usr/bin/time';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    'also-size': { type: 'string', multiple: true, default: [] },
    runs: { type: 'string', default: '3' },
    workdir: { type: 'string', default: join(process.env.TMPDIR || tmpdir(), 's3lo-bench') },
    keep: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    api: { type: 'string', default: process.env.S3LO_BENCH_API ?? 'auto' },
    extras: { type: 'boolean', default: true },
    'no-extras': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    seed: { type: 'string', default: 's3lo-bench' },
    'quiet-wait': { type: 'string', default: '120' },
    'quiet-threshold': { type: 'string', default: '0.3' },
    nice: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 7)
      .join('\n')
      .replace(/^\/\/ ?/gm, ''),
  );
  process.exit(0);
}
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
const sizes = [args.size, ...args['also-size']].map(parseSize);
const concurrency = args.concurrency === undefined ? undefined : Number(args.concurrency);
const extras = args.extras && !args['no-extras'];
const workdir = resolve(args.workdir);
const quiet = { maxWaitMs: Number(args['quiet-wait']) * 1000, threshold: Number(args['quiet-threshold']) };
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const niceness = Number(args.nice);
if (!Number.isInteger(niceness) || niceness < -20 || niceness > 19) throw new Error('--nice must be a whole number from -20 to 19');
const log = (message) => process.stderr.write(`${message}\n`);

// ---------------------------------------------------------------- setup

if (!existsSync(TIME)) {
  log(`note: ${TIME} (GNU time) is missing: peak RSS of skopeo and cp will not be measured.`);
  log('      install it with: apt-get install -y --no-install-recommends time');
}
if (spawnSync('skopeo', ['--version']).status !== 0) throw new Error('skopeo is not on PATH');

prepareWorkdir();
let cleaned = false;
function cleanup() {
  if (cleaned || args.keep) return;
  cleaned = true;
  rmSync(workdir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`\n${signal}: cleaning ${workdir}`);
    cleanup();
    process.exit(130);
  });
}

const api = await resolveApi();
const machine = describeMachine();
log(`s3lo bench: ${machine.cpus} x ${machine.cpuModel}, ${formatBytes(machine.memoryBytes)} RAM, node ${process.version}, ${machine.skopeo}`);
log(`library: ${api.origin === 'dist' ? 'built packages (dist)' : `sources bundled with esbuild (${api.why})`}; workdir ${workdir}`);

const report = {
  startedAt: new Date().toISOString(),
  machine,
  options: { sizes, runs, concurrency: concurrency ?? 'library default', workdir, api: api.origin, apiWhy: api.why, extras, quiet, nice: niceness },
  sizes: [],
};

try {
  for (const size of sizes) report.sizes.push(await benchSize(size));
} finally {
  cleanup();
}

report.finishedAt = new Date().toISOString();
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const resultFile = join(resultsDir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(resultFile, `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderReport(report);
writeFileSync(resultFile.replace(/\.json$/, '.md'), markdown);
process.stdout.write(markdown);
log(`\nresults written to ${resultFile} (and .md)`);

// ---------------------------------------------------------------- one size

async function benchSize(size) {
  const label = sizeLabel(size);
  const dir = join(workdir, label);
  const needed = size * 3.3 + 512 * 2 ** 20; // source + bucket + one destination, plus slack
  const free = freeBytes(workdir);
  if (free < needed) {
    log(`\n${label}: skipped, needs ~${formatBytes(needed)} free in ${workdir}, has ${formatBytes(free)}`);
    return { size, label, skipped: `not enough disk: needs ${needed}, has ${free}` };
  }
  mkdirSync(dir, { recursive: true });
  log(`\n== ${label}: generating the image`);
  const image = generateImage({ out: join(dir, 'image'), size, seed: args.seed, reuse: true, log });
  log(`   ${image.blobs} blobs, ${formatBytes(image.totalBytes)} in ${(image.generatedInMs / 1000).toFixed(1)} s`);

  const source = `oci:${image.path}:v1`;
  const bucketDir = join(dir, 'bucket');
  const bucketRef = `local://${bucketDir}//bench/app:v1`;
  const out = join(dir, 'out');
  const blobs = image.blobs;

  /** Each operation: how to prepare (untimed), run (timed) and check it. */
  const operations = [
    {
      id: 'push',
      label: 'push oci -> local:// (cold, empty bucket)',
      prepare: () => rmSync(bucketDir, { recursive: true, force: true }),
      run: () => nodeOp({ op: 'push', source, dest: bucketRef }),
      check: (r) => r.result.blobsCopied === blobs - 1 && r.result.bytesCopied > 0, // the manifest is the tag, not a blob write
    },
    {
      id: 'repush',
      label: 're-push, unchanged (all blobs skipped)',
      run: () => nodeOp({ op: 'push', source, dest: bucketRef }),
      check: (r) => r.result.blobsCopied === 0,
    },
    {
      id: 'pull',
      label: 'pull local:// -> fresh oci layout',
      prepare: () => rmSync(out, { recursive: true, force: true }),
      run: () => nodeOp({ op: 'pull', source: bucketRef, dest: `oci:${out}:v1` }),
      check: (r) => r.result.bytesCopied > 0 && countBlobs(out) === blobs,
      after: () => rmSync(out, { recursive: true, force: true }),
    },
    {
      id: 'skopeo',
      label: 'skopeo copy oci -> fresh oci',
      prepare: () => rmSync(out, { recursive: true, force: true }),
      run: () => timed('skopeo', ['copy', '-q', source, `oci:${out}:v1`]),
      check: () => countBlobs(out) === blobs,
      after: () => rmSync(out, { recursive: true, force: true }),
    },
    {
      id: 'limit',
      label: 'limit: cp -r + sha256sum of the blobs',
      prepare: () => rmSync(out, { recursive: true, force: true }),
      run: () => timed('sh', ['-c', 'cp -r "$1" "$2" && sha256sum "$2"/blobs/sha256/* >/dev/null', 'limit', image.path, out]),
      check: () => countBlobs(out) === blobs,
      after: () => rmSync(out, { recursive: true, force: true }),
    },
  ];
  // coreutils' sha256sum does not use the CPU's SHA instructions; OpenSSL
  // (like Node's crypto) does. The limit with the fastest hash on the
  // machine is the honest floor.
  if (hasOpenssl) {
    operations.push({
      id: 'limitFast',
      label: 'limit, fast hash: cp -r + openssl dgst -sha256',
      prepare: () => rmSync(out, { recursive: true, force: true }),
      run: () => timed('sh', ['-c', 'cp -r "$1" "$2" && openssl dgst -sha256 "$2"/blobs/sha256/* >/dev/null', 'limit', image.path, out]),
      check: () => countBlobs(out) === blobs,
      after: () => rmSync(out, { recursive: true, force: true }),
    });
  }
  if (extras) {
    operations.push(
      {
        id: 'pushNoFsync',
        info: true,
        label: '(info) push, local backend fsync off',
        prepare: () => rmSync(join(dir, 'bucket-nofsync'), { recursive: true, force: true }),
        run: () => nodeOp({ op: 'push', source, dest: `local://${join(dir, 'bucket-nofsync')}//bench/app:v1`, fsync: false }),
        check: (r) => r.result.blobsCopied === blobs - 1,
        after: () => rmSync(join(dir, 'bucket-nofsync'), { recursive: true, force: true }),
      },
      {
        id: 'limitSync',
        info: true,
        label: `(info) limit${hasOpenssl ? ', fast hash,' : ''} + sync (data on disk, like fsync)`,
        prepare: () => rmSync(out, { recursive: true, force: true }),
        run: () => timed('sh', ['-c', `cp -r "$1" "$2" && ${hasOpenssl ? 'openssl dgst -sha256' : 'sha256sum'} "$2"/blobs/sha256/* >/dev/null && sync`, 'limit', image.path, out]),
        check: () => countBlobs(out) === blobs,
        after: () => rmSync(out, { recursive: true, force: true }),
      },
    );
  }

  const samples = Object.fromEntries(operations.map((o) => [o.id, []]));
  for (let round = 0; round <= runs; round++) {
    const warmup = round === 0;
    log(warmup ? '-- warm-up round (not counted)' : `-- run ${round}/${runs}`);
    for (const op of operations) {
      op.prepare?.();
      sync(); // start from no dirty pages, so no operation pays for the previous one's writeback
      const waited = await waitForQuiet({
        ...quiet,
        onWait: (busy) => log(`   (machine busy: ${busy.toFixed(2)} cores in use by other processes; waiting up to ${quiet.maxWaitMs / 1000} s)`),
      });
      const sample = await op.run();
      sample.quietWaitMs = waited.waitedMs;
      sample.startedQuiet = waited.quiet;
      if (!op.check(sample)) throw new Error(`${op.label}: unexpected outcome ${JSON.stringify(sample)}`);
      op.after?.();
      const other = sample.otherCores === undefined ? '' : `  other load ${sample.otherCores.toFixed(2)} cores`;
      log(`   ${op.label.padEnd(50)} ${(sample.wallMs / 1000).toFixed(2).padStart(7)} s  ${rss(sample.maxRssKiB).padStart(6)} MiB${other}`);
      if (!warmup) samples[op.id].push(sample);
    }
  }

  let profiles;
  if (args.profile) {
    log('-- profiling push and pull (node --cpu-prof, not counted)');
    profiles = {};
    const profileDir = join(here, 'results', `profile-${label}-${Date.now()}`);
    rmSync(bucketDir, { recursive: true, force: true });
    for (const [op, from, to] of [
      ['push', source, bucketRef],
      ['pull', bucketRef, `oci:${out}:v1`],
    ]) {
      rmSync(out, { recursive: true, force: true });
      sync();
      const dirFor = join(profileDir, op);
      await nodeOp({ op, source: from, dest: to }, ['--cpu-prof', `--cpu-prof-dir=${dirFor}`]);
      const file = readdirSync(dirFor).find((f) => f.endsWith('.cpuprofile'));
      profiles[op] = { file: join(dirFor, file), ...summariseProfile(join(dirFor, file), 15) };
    }
    rmSync(out, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
  if (!args.keep) rmSync(`${image.path}.bench-image.json`, { force: true });

  const stats = {};
  for (const op of operations) stats[op.id] = { label: op.label, info: op.info ?? false, ...summarise(samples[op.id], image.totalBytes) };
  return {
    size,
    label,
    image: { manifestDigest: image.manifestDigest, blobs, totalBytes: image.totalBytes, contentBytes: image.contentBytes, layers: image.layers },
    stats,
    ratios: ratiosOf(stats),
    samples,
    profiles,
  };
}

// ---------------------------------------------------------------- measuring

/** Runs push or pull in a child Node process (its peak RSS is its own). */
async function nodeOp(spec, nodeFlags = []) {
  const child = await timed(process.execPath, [...nodeFlags, OP_SCRIPT, JSON.stringify({ ...spec, concurrency, bundleDir: api.bundleDir })], {
    env: { ...process.env, S3LO_BENCH_API: api.origin },
  });
  const line = child.stdout.trim().split('\n').at(-1);
  const reported = JSON.parse(line);
  const { stdout: _stdout, ...measured } = child;
  return {
    ...measured,
    inOpMs: reported.ms,
    maxRssKiB: reported.maxRssKiB,
    timeMaxRssKiB: child.maxRssKiB,
    inOpCpuUserMs: reported.cpuUserMs,
    inOpCpuSystemMs: reported.cpuSystemMs,
    result: reported.result,
  };
}

/** Runs a command under GNU time; wall time from here (hrtime), peak RSS and CPU from time(1). */
function timed(command, argv, { env = process.env } = {}) {
  const useTime = existsSync(TIME);
  const timeFile = join(workdir, `.time-${process.pid}`);
  // Every measured command gets the same priority (--nice; negative needs root).
  if (niceness !== 0) [command, argv] = ['nice', ['-n', String(niceness), command, ...argv]];
  const [cmd, cmdArgs] = useTime ? [TIME, ['-f', '%M %U %S', '-o', timeFile, '--', command, ...argv]] : [command, argv];
  return new Promise((resolvePromise, reject) => {
    const busyBefore = machineBusySeconds();
    const started = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) {
        reject(new Error(`${command} ${argv.join(' ')} exited with ${code}:\n${stderr}`));
        return;
      }
      const sample = { wallMs, stdout };
      if (useTime) {
        const [maxRss, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(/\s+/).map(Number);
        rmSync(timeFile, { force: true });
        Object.assign(sample, { maxRssKiB: maxRss, cpuMs: (user + sys) * 1000 });
        // CPU the rest of the machine used meanwhile, in cores: noise.
        if (busyBefore !== undefined) sample.otherCores = Math.max(0, machineBusySeconds() - busyBefore - (user + sys)) / (wallMs / 1000);
      }
      resolvePromise(sample);
    });
  });
}

function summarise(list, totalBytes) {
  const pick = (key) => list.map((s) => s[key]).filter((v) => typeof v === 'number');
  const wall = pick('wallMs');
  const inOp = pick('inOpMs');
  const rssList = pick('maxRssKiB');
  const cpu = pick('cpuMs');
  const other = pick('otherCores');
  const med = median(wall);
  return {
    runs: list.length,
    wallMs: { median: med, min: Math.min(...wall), max: Math.max(...wall) },
    inOpMs: inOp.length ? { median: median(inOp), min: Math.min(...inOp), max: Math.max(...inOp) } : undefined,
    maxRssMiB: rssList.length ? Math.max(...rssList) / 1024 : undefined,
    cpuMs: cpu.length ? median(cpu) : undefined,
    otherCores: other.length ? median(other) : undefined,
    mibPerSecond: totalBytes / 2 ** 20 / (med / 1000),
  };
}

function ratiosOf(stats) {
  return { ...ratiosBy(stats, 'median'), best: ratiosBy(stats, 'min') };
}

function ratiosBy(stats, which) {
  const m = (id) => stats[id]?.wallMs[which];
  return {
    pushOverSkopeo: m('push') / m('skopeo'),
    pullOverSkopeo: m('pull') / m('skopeo'),
    pushOverLimit: m('push') / m('limit'),
    pullOverLimit: m('pull') / m('limit'),
    ...(stats.limitFast ? { pushOverLimitFast: m('push') / m('limitFast'), pullOverLimitFast: m('pull') / m('limitFast') } : {}),
    ...(stats.limitSync ? { pushOverLimitSync: m('push') / m('limitSync'), pullOverLimitSync: m('pull') / m('limitSync') } : {}),
  };
}

// ---------------------------------------------------------------- report

function renderReport(rep) {
  const lines = [];
  const s = (ms) => (ms / 1000).toFixed(2);
  const x = (r) => `${r.toFixed(2)}x`;
  const verdict = (ok) => (ok ? 'PASS' : 'MISS');
  lines.push('', `# s3lo push/pull benchmark (${rep.startedAt})`, '');
  const m = rep.machine;
  lines.push(
    `Machine: ${m.cpus} x ${m.cpuModel}, ${formatBytes(m.memoryBytes)} RAM, ${m.filesystem} (${m.kernel}); node ${m.node}; ${m.skopeo}; ${m.cp}.`,
    `Library: ${rep.options.api === 'dist' ? 'built packages (dist)' : `sources bundled with esbuild (${rep.options.apiWhy})`}; concurrency: ${rep.options.concurrency}${rep.options.nice ? `; every measured command ran under nice -n ${rep.options.nice}` : ''}.`,
    `Medians of ${rep.options.runs} runs after one uncounted warm-up round; warm page cache (the source image is in memory); \`sync\` before each timed operation, then a wait for the machine to be quiet (< ${rep.options.quiet.threshold} cores busy, up to ${rep.options.quiet.maxWaitMs / 1000} s).`,
    `"other load" is the CPU (in cores, of ${m.cpus}) that other processes used during the operation: above ~0.2 the number is disturbed.`,
    '',
  );
  for (const sz of rep.sizes) {
    if (sz.skipped) {
      lines.push(`## ${sz.label}: skipped (${sz.skipped})`, '');
      continue;
    }
    const st = sz.stats;
    lines.push(
      `## ${sz.label} image: ${sz.image.blobs} blobs, ${formatBytes(sz.image.totalBytes)} (${formatBytes(sz.image.contentBytes.random)} random, ${formatBytes(sz.image.contentBytes.text)} text)`,
      '',
      '| operation | median s | min s | max s | MiB/s | peak RSS MiB | CPU s | other load |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const [id, o] of Object.entries(st)) {
      const extra = id === 'repush' && o.inOpMs ? ` (in-process ${s(o.inOpMs.median)} s)` : '';
      lines.push(
        `| ${o.label}${extra} | ${s(o.wallMs.median)} | ${s(o.wallMs.min)} | ${s(o.wallMs.max)} | ${id === 'repush' ? '-' : o.mibPerSecond.toFixed(0)} | ${o.maxRssMiB === undefined ? 'n/a' : o.maxRssMiB.toFixed(0)} | ${o.cpuMs === undefined ? 'n/a' : s(o.cpuMs)} | ${o.otherCores === undefined ? 'n/a' : o.otherCores.toFixed(2)} |`,
      );
    }
    const r = sz.ratios;
    const b = r.best;
    const rssMax = Math.max(st.push.maxRssMiB ?? 0, st.pull.maxRssMiB ?? 0, st.repush.maxRssMiB ?? 0);
    lines.push('', '| target | medians | best runs | goal | verdict (medians) |', '|---|---:|---:|---:|---|');
    const ratioRow = (label, key, goal) =>
      lines.push(`| ${label} | ${x(r[key])} | ${x(b[key])} | ${goal === undefined ? '' : `<= ${goal.toFixed(2)}x`} | ${goal === undefined ? '' : verdict(r[key] <= goal)} |`);
    ratioRow('push / skopeo', 'pushOverSkopeo', 1);
    ratioRow('pull / skopeo', 'pullOverSkopeo', 1);
    ratioRow('push / limit (cp + sha256sum)', 'pushOverLimit', 1.5);
    ratioRow('pull / limit (cp + sha256sum)', 'pullOverLimit', 1.5);
    if (r.pushOverLimitFast !== undefined) {
      ratioRow('push / limit, fast hash (cp + openssl)', 'pushOverLimitFast', 1.5);
      ratioRow('pull / limit, fast hash (cp + openssl)', 'pullOverLimitFast', 1.5);
    }
    lines.push(
      `| re-push, unchanged (whole process) | ${s(st.repush.wallMs.median)} s | ${s(st.repush.wallMs.min)} s | < 1 s | ${verdict(st.repush.wallMs.median < 1000)} |`,
      `| peak RSS of push, re-push, pull (max of runs) | ${rssMax.toFixed(0)} MiB | | < 200 MiB | ${verdict(rssMax < 200)} |`,
    );
    if (r.pushOverLimitSync !== undefined) {
      ratioRow(`(info) push / ${st.limitSync.label.slice(7)}`, 'pushOverLimitSync');
      ratioRow(`(info) pull / ${st.limitSync.label.slice(7)}`, 'pullOverLimitSync');
    }
    lines.push('');
    if (sz.profiles) {
      for (const [op, p] of Object.entries(sz.profiles)) {
        lines.push(`CPU profile of ${op} (${p.file}), top self time of ${s(p.totalMs)} s sampled:`, '');
        lines.push('| self ms | % | function | where |', '|---:|---:|---|---|');
        for (const f of p.top) lines.push(`| ${f.selfMs.toFixed(0)} | ${f.percent.toFixed(1)} | ${f.name} | ${f.where} |`);
        lines.push('');
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- helpers

function prepareWorkdir() {
  if (existsSync(workdir) && readdirSync(workdir).length > 0 && !existsSync(join(workdir, MARKER))) {
    throw new Error(`${workdir} is not empty and was not made by the bench; pass --workdir with an empty or new directory`);
  }
  mkdirSync(workdir, { recursive: true });
  writeFileSync(join(workdir, MARKER), '');
}

async function resolveApi() {
  const bundleDir = join(workdir, 'api');
  if (args.api === 'source' || args.api === 'auto') {
    const core = await import(pathToFileURL(join(repo, 'packages/core/dist/index.js')).href).catch(() => undefined);
    if (args.api === 'source' || typeof (core?.image?.push ?? core?.push) !== 'function') {
      if (args.api === 'auto') log('note: the built @s3lo/core does not export image.push/pull (rebuild with `pnpm turbo run build`); bundling the sources');
      await buildBundle(join(bundleDir, 'api.mjs'));
      return { origin: 'source', bundleDir, why: args.api === 'source' ? '--api source' : 'the built dist lacked push/pull' };
    }
  }
  return { origin: 'dist', bundleDir };
}

function describeMachine() {
  const first = (cmd, argv) => (spawnSync(cmd, argv, { encoding: 'utf8' }).stdout || '').split('\n')[0].trim();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    kernel: release(),
    filesystem: first('findmnt', ['-n', '-o', 'FSTYPE', '-T', workdir]) || first('stat', ['-f', '-c', '%T', workdir]),
    node: process.version,
    skopeo: first('skopeo', ['--version']),
    cp: first('cp', ['--version']),
  };
}

function freeBytes(path) {
  const st = statfsSync(path);
  return st.bavail * st.bsize;
}

function sync() {
  spawnSync('sync');
}

function countBlobs(layout) {
  const dir = join(layout, 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')).length : 0;
}

function rss(kib) {
  return kib === undefined ? 'n/a' : (kib / 1024).toFixed(0);
}
