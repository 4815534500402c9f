#!/usr/bin/env node
// Start-up benchmark: how long `s3lo` takes to answer before it does any
// work, next to `node -e 0` (the floor for anything written for Node) and
// `skopeo --version`, measured in one run on the same machine. Numbers, not
// a test: it prints a markdown table and whether the targets of issue 9 hold
// (`--version` and `--help` within 2x of `node -e 0`, a `local://` list
// within 3x), for the npm package's bin and for the bundled executable.
//
//   pnpm turbo run build --output-logs=errors-only
//   node bench/startup.mjs [--runs 30] [--warmup 3] [--bin FILE] [--bundle FILE] [--json FILE]
//
// Every command runs --warmup times uncounted, then --runs times; the runs
// are interleaved (one of each command per round) so a burst of load from
// other processes lands on all rows alike instead of on one. Wall time is
// taken around a spawnSync of the whole process (start, load, run, exit).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { waitForQuiet } from './lib/cpu-load.mjs';
import { median } from './lib/units.mjs';

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    bin: { type: 'string', default: join(root, 'packages/cli/dist/s3lo.js') },
    bundle: { type: 'string', default: join(root, 'packages/s3lo/dist/s3lo.mjs') },
    json: { type: 'string' },
    'quiet-wait': { type: 'string', default: '10' },
    'quiet-threshold': { type: 'string', default: '0.5' },
  },
});
const runs = Number(args.runs);
const warmup = Number(args.warmup);
const log = (line) => process.stderr.write(`${line}\n`);

const executables = [
  { label: 'npm bin', file: resolve(args.bin) },
  { label: 'bundle', file: resolve(args.bundle) },
].filter(({ label, file }) => {
  if (existsSync(file)) return true;
  log(`(no ${label} at ${file}: skipped; build first, or pass --${label === 'bundle' ? 'bundle' : 'bin'} FILE)`);
  return false;
});
if (executables.length === 0) throw new Error('nothing to measure: build the CLI first (pnpm turbo run build)');

// A small bucket made by the bench: one image with one tag, pushed by the CLI itself.
const work = mkdtempSync(join(tmpdir(), 's3lo-startup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const layout = join(work, 'layout');
writeLayout(layout);
const bucket = join(work, 'store');
const pushed = spawnSync(process.execPath, [executables[0].file, 'push', `oci:${layout}:v1`, `local://${bucket}//app:v1`, '-q'], { encoding: 'utf8' });
if (pushed.status !== 0) throw new Error(`could not make the bench's bucket: ${pushed.stderr}`);
const listRef = `local://${bucket}//`;

/** label, argv, target ratio (or none): the rows, in order. */
const commands = [
  { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  ...(onPath('skopeo') ? [{ label: 'skopeo --version', argv: ['skopeo', '--version'] }] : []),
  ...executables.flatMap(({ label, file }) => [
    { label: `s3lo --version (${label})`, argv: [process.execPath, file, '--version'], target: 2 },
    { label: `s3lo --help (${label})`, argv: [process.execPath, file, '--help'], target: 2 },
    { label: `s3lo list local:// (${label})`, argv: [process.execPath, file, 'list', listRef], target: 3 },
  ]),
];
for (const c of commands) {
  const check = spawnSync(c.argv[0], c.argv.slice(1), { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`${c.label} exited ${check.status}: ${check.stderr}`);
}

log(`${commands.length} commands, ${warmup} warm-up + ${runs} runs each, interleaved`);
for (let i = 0; i < warmup; i++) for (const c of commands) timeOnce(c.argv);
const samples = new Map(commands.map((c) => [c.label, []]));
const quiet = { maxWaitMs: Number(args['quiet-wait']) * 1000, threshold: Number(args['quiet-threshold']) };
let quietRounds = 0;
for (let i = 0; i < runs; i++) {
  // Each round starts when other processes leave the CPU alone (or after --quiet-wait s).
  if ((await waitForQuiet(quiet)).quiet !== false) quietRounds++;
  for (const c of commands) samples.get(c.label).push(timeOnce(c.argv));
  if ((i + 1) % 10 === 0) log(`  ${i + 1}/${runs} rounds`);
}

const floor = median(samples.get('node -e 0'));
const floorMin = Math.min(...samples.get('node -e 0'));
const rows = commands.map((c) => {
  const list = samples.get(c.label);
  const med = median(list);
  const ratio = med / floor;
  const min = Math.min(...list);
  return { label: c.label, median: med, min, max: Math.max(...list), ratio, minRatio: min / floorMin, target: c.target, holds: c.target === undefined ? undefined : ratio <= c.target };
});

const ms = (s) => (s * 1000).toFixed(1);
const lines = [
  `# s3lo start-up`,
  '',
  `${new Date().toISOString()}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}; ${runs} runs each after ${warmup} warm-up, interleaved; ${quietRounds} of ${runs} rounds started on a quiet machine (< ${quiet.threshold} cores busy elsewhere).`,
  ...executables.map(({ label, file }) => `${label}: \`${relative(root, file)}\``),
  '',
  '| command | median ms | min ms | max ms | median / node | min / node | target | holds (median) |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${ms(r.median)} | ${ms(r.min)} | ${ms(r.max)} | ${r.ratio.toFixed(2)} | ${r.minRatio.toFixed(2)} | ${r.target === undefined ? '' : `<= ${r.target}`} | ${r.holds === undefined ? '' : r.holds ? 'yes' : 'NO'} |`,
  ),
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify({ node: process.version, runs, warmup, executables, rows, samples: Object.fromEntries(samples) }, null, 2)}\n`);

function timeOnce(argv) {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}`);
  return seconds;
}

function onPath(name) {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A one-layer OCI layout with tag v1 (a few hundred bytes: what is measured is start-up, not I/O). */
function writeLayout(dir) {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const layer = put(Buffer.from('start-up bench layer\n'));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
}
