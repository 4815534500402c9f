// One measured s3lo operation against an S3 endpoint, in its own Node
// process (its peak RSS is its own), like ../lib/op.mjs for local://:
//   node bench/s3/op.mjs '<json>' with
//   { "op": "push"|"pull", "source": "...", "dest": "...", "concurrency"?: n,
//     "endpoint": "http://...", "accessKeyId": "...", "secretAccessKey": "...",
//     "backendOptions"?: { ...more S3BackendOptions } }
// Prints one JSON line: time inside push/pull (module loading excluded),
// peak RSS, CPU time and the library's result.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadApi } from '../lib/api.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const spec = JSON.parse(process.argv[2]);
const api = await loadApi({ mode: 'dist' });
const s3 = (await import(pathToFileURL(join(repo, 'packages/backend-s3/dist/index.js')).href)).default;
const registry = new api.PluginRegistry();
registry.registerBackend(api.local);
registry.registerBackend(s3);
const options = {
  registry,
  backendOptions: {
    endpoint: spec.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: spec.accessKeyId, secretAccessKey: spec.secretAccessKey },
    forcePathStyle: true,
    ...spec.backendOptions,
  },
  ...(spec.concurrency === undefined ? {} : { concurrency: spec.concurrency }),
};
const operation = spec.op === 'push' ? api.push : spec.op === 'pull' ? api.pull : undefined;
if (!operation) throw new Error(`unknown op ${spec.op}`);

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const result = await operation(spec.source, spec.dest, options);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    ms,
    maxRssKiB: process.resourceUsage().maxRSS,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    result: { digest: result.digest, blobsCopied: result.blobsCopied, blobsSkipped: result.blobsSkipped, bytesCopied: result.bytesCopied },
  })}\n`,
);
