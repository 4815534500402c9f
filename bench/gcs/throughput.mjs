#!/usr/bin/env node
// Upload and download throughput of @s3lo/backend-gcs against firebase-tools'
// storage emulator (started here by @s3lo/gcs-emulator, on 127.0.0.1), next
// to the SDK's own best on the same emulator and the same bytes: one
// `file.save(buffer)` request from memory up, `file.download()` into memory
// down (the limit: no streaming, no per-chunk work of ours).
//
//   pnpm turbo run build --output-logs=errors-only
//   node bench/gcs/throughput.mjs [--size 120MiB] [--runs 3]
//
// The emulator refuses request bodies over 130 MB and finalizes a resumable
// upload with its first request (no chunked uploads), so no single upload to
// it can exceed 130 MB: the default size stays under that. Prints one table
// and a JSON line; the figures are medians of --runs.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes, median, parseSize } from '../lib/units.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({ options: { size: { type: 'string', default: '120MiB' }, runs: { type: 'string', default: '3' } } });
const size = parseSize(args.size);
const runs = Number(args.runs);

const { startFirebaseStorageEmulator } = await import(pathToFileURL(join(repo, 'packages/testing/gcs-emulator/dist/index.js')).href);
const { GcsBackend } = await import(pathToFileURL(join(repo, 'packages/backend-gcs/dist/index.js')).href);
const requireFromBackend = createRequire(join(repo, 'packages/backend-gcs/package.json'));
const { Storage } = await import(pathToFileURL(requireFromBackend.resolve('@google-cloud/storage')).href);

const data = randomBytes(size);
const digest = createHash('sha256').update(data).digest('hex');
const CHUNK = 1024 * 1024;
/** The bytes as a stream of 1 MiB chunks, as a layer arrives from a file or a network. */
const streamOf = () =>
  Readable.from(
    (function* () {
      for (let i = 0; i < size; i += CHUNK) yield data.subarray(i, Math.min(i + CHUNK, size));
    })(),
    { objectMode: false },
  );

async function hashStream(stream) {
  const hash = createHash('sha256');
  await pipeline(
    stream,
    new Writable({
      write(chunk, _enc, cb) {
        hash.update(chunk);
        cb();
      },
    }),
  );
  return hash.digest('hex');
}

const server = await startFirebaseStorageEmulator();
const results = {};
try {
  const bucketName = `bench-${Date.now().toString(36)}`;
  const backend = new GcsBackend(bucketName, { apiEndpoint: server.endpoint, clientSideListing: true });
  const storage = new Storage({ apiEndpoint: server.endpoint, projectId: server.projectId });
  const file = storage.bucket(bucketName).file('sdk-object');
  const measure = async (name, fn) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await fn(i);
      times.push((performance.now() - t0) / 1000);
    }
    results[name] = { seconds: median(times), mibPerSecond: size / 1024 / 1024 / median(times) };
  };
  await measure('s3lo put (stream, size known)', (i) => backend.put(`blobs/${i}`, streamOf(), { size }));
  await measure('s3lo get (stream, sha256)', async (i) => {
    if ((await hashStream(await backend.get(`blobs/${i}`))) !== digest) throw new Error('s3lo get: bytes differ');
  });
  await measure('SDK save(buffer), one request', () => file.save(data, { resumable: false, validation: false }));
  await measure('SDK download() into memory', async () => {
    const [bytes] = await file.download({ validation: false });
    if (bytes.length !== size) throw new Error('SDK download: size differs');
  });
  await backend.deleteMany([...Array(runs).keys()].map((i) => `blobs/${i}`));
  await file.delete();
} finally {
  await server.stop();
}

console.log(`GCS throughput, ${formatBytes(size)}, median of ${runs}, firebase-tools storage emulator on 127.0.0.1 (client and server on this machine)`);
for (const [name, { seconds, mibPerSecond }] of Object.entries(results))
  console.log(`  ${name.padEnd(34)} ${seconds.toFixed(2).padStart(6)} s  ${mibPerSecond.toFixed(0).padStart(5)} MiB/s`);
console.log(JSON.stringify({ size, runs, results }));
