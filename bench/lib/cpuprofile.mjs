// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per
// function, heaviest first. Also runnable: node bench/lib/cpuprofile.mjs FILE [N]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function summariseProfile(file, limit = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^file:\/\//, '').replace(/^.*\/(packages|bench|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${name}\0${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    totalUs += us;
  }
  const top = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, us]) => {
      const [name, where] = key.split('\0');
      return { name, where, selfMs: us / 1000, percent: (100 * us) / totalUs };
    });
  return { totalMs: totalUs / 1000, top };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { totalMs, top } = summariseProfile(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`total sampled: ${totalMs.toFixed(0)} ms`);
  for (const f of top) console.log(`${f.selfMs.toFixed(0).padStart(8)} ms ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
}
