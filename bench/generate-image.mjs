#!/usr/bin/env node
// Generates a deterministic OCI image layout of a given total size for the
// benchmark: several uncompressed tar layers (media type
// application/vnd.oci.image.layer.v1.tar, so the label is honest) holding a
// mix of incompressible (random) and compressible (log-like text) files.
// Every byte is streamed to disk; no layer is ever held in memory.
//
//   node bench/generate-image.mjs --out /tmp/img [--size 1GiB] [--seed s3lo-bench] [--tag v1]
//
// Same seed and size -> same bytes -> same digests.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes, parseSize } from './lib/units.mjs';

const CHUNK = 1 << 20;
const BLOCK = 512;
const MTIME = 1_700_000_000;
const GENERATOR_VERSION = 2;

/**
 * Layers as shares of the total, with what they hold: `random` files stand
 * for binaries and already-compressed data, `text` for sources, logs and
 * configs (compresses ~3-4x), `mixed` alternates both plus a tree of small
 * files. Roughly half of the bytes are compressible.
 */
const LAYERS = [
  { share: 0.27, kind: 'random', files: 2 }, // e.g. a model / big binary
  { share: 0.2, kind: 'text', files: 6 }, // e.g. a data set of text
  { share: 0.16, kind: 'mixed', files: 8 },
  { share: 0.12, kind: 'mixed', files: 6, small: 400 },
  { share: 0.1, kind: 'text', files: 4, small: 1200 },
  { share: 0.08, kind: 'random', files: 5 },
  { share: 0.05, kind: 'mixed', files: 4, small: 300 },
  { share: 0.02, kind: 'text', files: 2, small: 100 },
];

const WORDS = (
  'the of and to in is for on that with as by at from it an be this are or was which not have has but ' +
  'error warn info debug trace request response status code user id session token cache hit miss ' +
  'container image layer blob digest manifest index tag push pull registry bucket object store ' +
  'function return const let var import export class interface type async await promise stream ' +
  'buffer chunk read write open close sync flush hash sha256 size bytes offset length start end ' +
  'node worker thread process memory heap stack frame value key map set list array string number ' +
  'true false null undefined yes no ok done failed retry timeout connect socket http https tcp udp ' +
  'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma ' +
  'tau upsilon phi chi psi omega red green blue cyan magenta yellow black white north south east west ' +
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ' +
  'ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat ' +
  'nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt ' +
  'mollit anim est laborum s3lo oci layout local bench tar gzip zstd json yaml toml ini conf path'
)
  .split(' ')
  .map((w) => Buffer.from(w));
const LEVELS = ['INFO', 'WARN', 'DEBUG', 'ERROR'].map((l) => Buffer.from(` ${l} `));

/** A deterministic keystream: AES-256-CTR over zeros, keyed by a hash of the seed and a label. */
function keystream(seed, label) {
  const key = createHash('sha256').update(`${seed}\0${label}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  return (n) => cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n));
}

/** Fills `n` bytes of random content, chunk by chunk. */
function* randomContent(seed, label, n) {
  const next = keystream(seed, label);
  for (let left = n; left > 0; left -= CHUNK) yield next(Math.min(CHUNK, left));
}

/** Fills `n` bytes of log-like text: timestamped lines of words drawn from a small vocabulary. */
function* textContent(seed, label, n) {
  const next = keystream(seed, label);
  let line = 0;
  for (let left = n; left > 0; ) {
    const size = Math.min(CHUNK, left);
    const out = Buffer.allocUnsafe(size);
    const rnd = next(CHUNK);
    let r = 0;
    let p = 0;
    while (p < size) {
      // "000123 INFO word word ... word\n"
      const head = String(line++).padStart(8, '0');
      for (let i = 0; i < head.length && p < size; i++) out[p++] = head.charCodeAt(i);
      const level = LEVELS[rnd[r++ & (CHUNK - 1)] & 3];
      for (let i = 0; i < level.length && p < size; i++) out[p++] = level[i];
      const words = 6 + (rnd[r++ & (CHUNK - 1)] & 15);
      for (let w = 0; w < words && p < size; w++) {
        const word = WORDS[rnd[r++ & (CHUNK - 1)] % WORDS.length];
        for (let i = 0; i < word.length && p < size; i++) out[p++] = word[i];
        if (p < size) out[p++] = w === words - 1 ? 10 : 32;
      }
    }
    left -= size;
    yield out;
  }
}

function octal(value, width) {
  return value.toString(8).padStart(width - 1, '0');
}

/** A POSIX ustar header block. */
function tarHeader(name, size, type) {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
  if (size >= 8 ** 11) throw new Error(`tar member too large for ustar: ${size}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(MTIME, 12), 136);
  h.fill(0x20, 148, 156);
  h.write(type, 156);
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263);
  h.write('root', 265);
  h.write('root', 297);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(`${octal(sum, 7)}\0 `, 148, 'latin1');
  return h;
}

const padding = (size) => (BLOCK - (size % BLOCK)) % BLOCK;

/** Writes to a file while hashing and counting. Synchronous writes: the disk is the backpressure. */
class BlobWriter {
  constructor(path) {
    this.path = path;
    this.fd = openSync(path, 'w');
    this.hash = createHash('sha256');
    this.size = 0;
  }
  write(buf) {
    this.hash.update(buf);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.size += buf.length;
  }
  finish() {
    closeSync(this.fd);
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }
}

/**
 * The members of one layer, sized so the tar comes out at exactly `target`
 * bytes (a multiple of 512): directories, `small` little text files, then
 * `files` large ones, the last one absorbing the remainder.
 */
function planLayer(index, spec, target) {
  const dir = `opt/bench/layer${index}/`;
  const members = [
    { name: 'opt/', type: '5', size: 0 },
    { name: 'opt/bench/', type: '5', size: 0 },
    { name: dir, type: '5', size: 0 },
  ];
  // Small files (~4.3 KiB on average with their headers) take at most a quarter of a small layer.
  const small = Math.min(spec.small ?? 0, Math.floor(target / 4 / 4600));
  if (small > 0) members.push({ name: `${dir}tree/`, type: '5', size: 0 });
  for (let i = 0; i < small; i++) {
    // 200 B .. ~8 KiB, deterministic.
    const size = 200 + ((i * 2654435761) % 8000);
    members.push({ name: `${dir}tree/f${String(i).padStart(5, '0')}.txt`, type: '0', size, kind: 'text' });
  }
  let used = 2 * BLOCK; // end-of-archive marker
  for (const m of members) used += BLOCK + m.size + padding(m.size);
  let left = target - used - spec.files * BLOCK;
  if (left < spec.files * BLOCK) throw new Error(`layer ${index}: ${target} bytes is too small`);
  // Large files: unequal sizes (weights 1..files), multiples of 512.
  const weights = Array.from({ length: spec.files }, (_, i) => i + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < spec.files; i++) {
    const last = i === spec.files - 1;
    const size = last ? left : Math.floor((left * weights[i]) / total / BLOCK) * BLOCK;
    const kind = spec.kind === 'mixed' ? (i % 2 === 0 ? 'random' : 'text') : spec.kind;
    members.push({ name: `${dir}${kind === 'random' ? 'bin' : 'data'}${i}.${kind === 'random' ? 'bin' : 'log'}`, type: '0', size, kind });
    if (!last) left -= size;
  }
  return members;
}

function writeLayer(blobsDir, seed, index, spec, target) {
  const tmp = join(blobsDir, `.layer${index}.tmp`);
  const out = new BlobWriter(tmp);
  const stats = { random: 0, text: 0 };
  for (const m of planLayer(index, spec, target)) {
    out.write(tarHeader(m.name, m.size, m.type));
    if (m.size === 0) continue;
    const gen = m.kind === 'random' ? randomContent : textContent;
    for (const chunk of gen(seed, `${index}/${m.name}`, m.size)) out.write(chunk);
    stats[m.kind] += m.size;
    const pad = padding(m.size);
    if (pad) out.write(Buffer.alloc(pad));
  }
  out.write(Buffer.alloc(2 * BLOCK));
  const { digest, size } = out.finish();
  renameSync(tmp, join(blobsDir, digest.slice(7)));
  return { digest, size, stats };
}

function writeJsonBlob(blobsDir, value) {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  writeFileSync(join(blobsDir, digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

/**
 * Writes the layout at `out` (replacing what is there) and returns a
 * summary. When `reuse` is set and `out` already holds an image generated
 * with the same parameters, it is kept as is.
 */
export function generateImage({ out, size, seed = 's3lo-bench', tag = 'v1', reuse = false, log = () => {} }) {
  out = resolve(out);
  const params = { generator: GENERATOR_VERSION, size, seed, tag };
  const marker = `${out}.bench-image.json`;
  if (reuse && existsSync(marker) && existsSync(join(out, 'index.json'))) {
    const previous = JSON.parse(readFileSync(marker, 'utf8'));
    if (JSON.stringify(previous.params) === JSON.stringify(params)) return previous;
  }
  rmSync(out, { recursive: true, force: true });
  rmSync(marker, { force: true });
  const blobsDir = join(out, 'blobs', 'sha256');
  mkdirSync(blobsDir, { recursive: true });
  writeFileSync(join(out, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');

  // Layer targets: shares of the size, multiples of 512, the last one takes the rest.
  const targets = [];
  let assigned = 0;
  LAYERS.forEach((spec, i) => {
    const t = i === LAYERS.length - 1 ? size - assigned : Math.floor((size * spec.share) / BLOCK) * BLOCK;
    targets.push(Math.max(BLOCK * 64, t - (t % BLOCK)));
    assigned += targets[i];
  });

  const started = Date.now();
  const layers = [];
  const content = { random: 0, text: 0 };
  LAYERS.forEach((spec, i) => {
    const layer = writeLayer(blobsDir, seed, i, spec, targets[i]);
    content.random += layer.stats.random;
    content.text += layer.stats.text;
    layers.push(layer);
    log(`  layer ${i + 1}/${LAYERS.length}: ${formatBytes(layer.size)} (${spec.kind}) ${layer.digest.slice(0, 19)}`);
  });

  const config = writeJsonBlob(blobsDir, {
    created: new Date(MTIME * 1000).toISOString(),
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    history: layers.map((_, i) => ({ created: new Date(MTIME * 1000).toISOString(), created_by: `s3lo bench layer ${i}` })),
  });
  const manifest = writeJsonBlob(blobsDir, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size })),
  });
  writeFileSync(
    join(out, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: 'amd64', os: 'linux' },
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  const totalBytes = layers.reduce((a, l) => a + l.size, 0) + config.size + manifest.size;
  const summary = {
    params,
    path: out,
    reference: `oci:${out}:${tag}`,
    manifestDigest: manifest.digest,
    layers: layers.map(({ digest, size }) => ({ digest, size })),
    blobs: layers.length + 2,
    totalBytes,
    contentBytes: content,
    generatedInMs: Date.now() - started,
  };
  writeFileSync(marker, JSON.stringify(summary, null, 2));
  return summary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      size: { type: 'string', default: '1GiB' },
      seed: { type: 'string', default: 's3lo-bench' },
      tag: { type: 'string', default: 'v1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.out) {
    console.error('usage: node bench/generate-image.mjs --out DIR [--size 1GiB] [--seed s3lo-bench] [--tag v1]');
    process.exit(values.help ? 0 : 2);
  }
  const size = parseSize(values.size);
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  console.error(`generating ${formatBytes(size)} image at ${values.out} (seed ${values.seed})`);
  const summary = generateImage({ out: values.out, size, seed: values.seed, tag: values.tag, log: (m) => console.error(m) });
  console.error(
    `done in ${(summary.generatedInMs / 1000).toFixed(1)} s: ${summary.blobs} blobs, ${formatBytes(summary.totalBytes)} ` +
      `(random ${formatBytes(summary.contentBytes.random)}, text ${formatBytes(summary.contentBytes.text)})`,
  );
  console.log(summary.reference);
}
