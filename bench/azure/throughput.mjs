// Throughput of @s3lo/backend-azure on Azurite: 256 MiB up (put) and down
// (get), beside the SDK's own best on the same Azurite and the same bytes
// (uploadData, one Put Blob or 8 MiB blocks 4 in parallel; downloadToBuffer
// with 8 MiB ranges 4 in parallel, and a single streamed download): the limit the backend is measured against.
//
//   pnpm turbo run build                 # measures packages/*/dist
//   node bench/azure/throughput.mjs      # 256 MiB, 3 runs of each
//   node bench/azure/throughput.mjs --size-mib 64 --runs 5
//
// Azurite (npm, in memory) is started on a free loopback port by
// @s3lo/azurite-server's startAzurite and stopped at the end. Numbers, not a
// test: client and server share this machine's cores.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '256' }, runs: { type: 'string', default: '3' } } });
const MiB = 1024 * 1024;
const size = Number(values['size-mib']) * MiB;
const runs = Number(values.runs);
const root = new URL('../../', import.meta.url);
const { AzureBackend } = await import(new URL('packages/backend-azure/dist/index.js', root).href);
const { startAzurite } = await import(new URL('packages/testing/azurite-server/dist/index.js', root).href);
const sdkPath = createRequire(new URL('packages/backend-azure/package.json', root)).resolve('@azure/storage-blob');
const { BlobServiceClient } = await import(sdkPath);

const bytes = randomBytes(size);
const digest = createHash('sha256').update(bytes).digest('hex');
/** The payload as a stream of 1 MiB chunks (what a layer read from disk looks like). */
const stream = () =>
  Readable.from(
    (function* () {
      for (let i = 0; i < size; i += MiB) yield bytes.subarray(i, i + MiB);
    })(),
  );
async function drain(readable, hash) {
  const h = hash ? createHash('sha256') : undefined;
  let n = 0;
  for await (const chunk of readable) {
    n += chunk.length;
    h?.update(chunk);
  }
  if (n !== size) throw new Error(`read ${n} bytes, expected ${size}`);
  if (h !== undefined && h.digest('hex') !== digest) throw new Error('downloaded bytes differ');
}

const server = await startAzurite();
const stop = () => server.stop();
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  const service = BlobServiceClient.fromConnectionString(server.connectionString);
  const container = service.getContainerClient('bench');
  await container.create();
  const backend = new AzureBackend('bench', { connectionString: server.connectionString });
  const backend32 = new AzureBackend('bench', { connectionString: server.connectionString, blockSize: 32 * MiB });
  const cases = {
    'backend put (stream, size known)': () => backend.put('ours', stream(), { size }),
    'backend put, blockSize 32 MiB': () => backend32.put('ours32', stream(), { size }),
    // Up to its maxSingleShotSize (256 MiB) uploadData sends one Put Blob:
    // the whole body in memory, no blocks. The staged row is the like-for-like one.
    'SDK uploadData (one Put Blob of 256 MiB)': () => container.getBlockBlobClient('sdk').uploadData(bytes, { blockSize: 8 * MiB, concurrency: 4 }),
    'SDK uploadData staged (8 MiB blocks, 4 parallel)': () =>
      container.getBlockBlobClient('sdk-staged').uploadData(bytes, { blockSize: 8 * MiB, concurrency: 4, maxSingleShotSize: 8 * MiB }),
    'SDK uploadStream (8 MiB blocks, 4 parallel)': () => container.getBlockBlobClient('sdk-stream').uploadStream(stream(), 8 * MiB, 4),
    'backend get (one streamed download)': async () => drain(await backend.get('ours')),
    'SDK download (one streamed download)': async () => drain((await container.getBlobClient('sdk').download()).readableStreamBody),
    'SDK downloadToBuffer (8 MiB ranges, 4 parallel)': () => container.getBlobClient('sdk').downloadToBuffer(Buffer.allocUnsafe(size), 0, size, { blockSize: 8 * MiB, concurrency: 4 }),
  };
  // Correctness once, untimed: what the backend wrote and reads is the payload.
  await cases['backend put (stream, size known)']();
  await drain(await backend.get('ours'), true);
  await cases['SDK uploadData (one Put Blob of 256 MiB)']();
  const rows = [];
  for (const [name, run] of Object.entries(cases)) {
    const seconds = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await run();
      seconds.push((performance.now() - t0) / 1000);
    }
    seconds.sort((a, b) => a - b);
    const median = seconds[Math.floor(seconds.length / 2)];
    rows.push(`| ${name} | ${(size / MiB / median).toFixed(0)} | ${seconds.map((s) => s.toFixed(2)).join(', ')} |`);
    process.stderr.write(`${name}: ${(size / MiB / median).toFixed(0)} MiB/s\n`);
  }
  console.log(`${size / MiB} MiB on Azurite 3.37.0 (in memory, loopback), median of ${runs} runs, node ${process.version}\n`);
  console.log('| operation | MiB/s | seconds |\n| --- | ---: | --- |');
  console.log(rows.join('\n'));
} finally {
  await stop();
}
