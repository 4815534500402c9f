// One measured operation in its own Node process, so its peak RSS is its
// own: `node bench/lib/op.mjs '<json>'` with
//   { "op": "push"|"pull", "source": "...", "dest": "...", "concurrency"?: n, "fsync"?: bool, "bundleDir"?: "..." }
// Prints one JSON line: the time spent inside push/pull (module loading
// excluded), peak RSS, CPU time and the library's result.
import { loadApi } from './api.mjs';

const spec = JSON.parse(process.argv[2]);
const api = await loadApi({ bundleDir: spec.bundleDir });
const registry = new api.PluginRegistry();
registry.registerBackend(api.local);
const options = {
  registry,
  ...(spec.concurrency === undefined ? {} : { concurrency: spec.concurrency }),
  ...(spec.fsync === undefined ? {} : { backendOptions: { fsync: spec.fsync } }),
};
const operation = spec.op === 'push' ? api.push : spec.op === 'pull' ? api.pull : undefined;
if (!operation) throw new Error(`unknown op ${spec.op}`);

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const result = await operation(spec.source, spec.dest, options);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(cpu0);
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    ms,
    maxRssKiB: usage.maxRSS,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    apiOrigin: api.origin,
    result: {
      digest: result.digest,
      blobsCopied: result.blobsCopied,
      blobsSkipped: result.blobsSkipped,
      bytesCopied: result.bytesCopied,
    },
  })}\n`,
);
