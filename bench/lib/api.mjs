// Loads the library the benchmark measures: push and pull from @s3lo/core,
// and the local:// backend.
//
// Normally that is the BUILT packages (packages/*/dist, what users get),
// imported by relative path because bench/ is not a workspace package. If the
// build does not export image.push/pull yet (the copy operations are newer
// than some builds), or with S3LO_BENCH_API=source, the sources are bundled
// with the workspace's esbuild into one file instead, and results say so.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const coreDist = join(repo, 'packages/core/dist/index.js');
const localDist = join(repo, 'packages/backend-local/dist/index.js');

/**
 * @param {{ mode?: 'auto'|'dist'|'source', bundleDir?: string }} options
 * @returns {Promise<{ push: Function, pull: Function, PluginRegistry: Function, local: object, origin: string }>}
 */
export async function loadApi({ mode = process.env.S3LO_BENCH_API ?? 'auto', bundleDir } = {}) {
  if (mode !== 'source') {
    const fromDist = await loadDist();
    if (fromDist.api) return fromDist.api;
    if (mode === 'dist') throw new Error(`cannot use the built packages: ${fromDist.why} (run \`pnpm turbo run build\`)`);
    process.stderr.write(`note: ${fromDist.why}; bundling the sources instead\n`);
  }
  return loadSource(bundleDir ?? join(process.env.TMPDIR ?? '/tmp', 's3lo-bench-api'));
}

async function loadDist() {
  if (!existsSync(coreDist) || !existsSync(localDist)) return { why: 'packages/core or packages/backend-local is not built' };
  const core = await import(pathToFileURL(coreDist).href);
  const local = (await import(pathToFileURL(localDist).href)).default;
  // image.push is the documented entry point; a top-level export is accepted too.
  const push = core.image?.push ?? core.push;
  const pull = core.image?.pull ?? core.pull;
  if (typeof push !== 'function' || typeof pull !== 'function') {
    return { why: 'the built @s3lo/core does not export image.push/image.pull' };
  }
  return { api: { push, pull, PluginRegistry: core.PluginRegistry, local, origin: 'dist' } };
}

async function loadSource(bundleDir) {
  const bundle = join(bundleDir, 'api.mjs');
  if (!existsSync(bundle)) await buildBundle(bundle);
  const api = await import(pathToFileURL(bundle).href);
  return { push: api.push, pull: api.pull, PluginRegistry: api.PluginRegistry, local: api.local, origin: 'source' };
}

/** Bundles core's and backend-local's sources (not their dist) into `out`. Exported for run.mjs to do once. */
export async function buildBundle(out) {
  const esbuild = await importEsbuild();
  const core = join(repo, 'packages/core/src');
  mkdirSync(dirname(out), { recursive: true });
  await esbuild.build({
    stdin: {
      contents: [
        `export { PluginRegistry } from ${JSON.stringify(join(core, 'index.ts'))};`,
        `export { push, pull } from ${JSON.stringify(join(core, 'image/copy/copy-operations.ts'))};`,
        `export { default as local } from ${JSON.stringify(join(repo, 'packages/backend-local/src/index.ts'))};`,
      ].join('\n'),
      resolveDir: repo,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    keepNames: true,
    sourcemap: 'inline',
    outfile: out,
    logLevel: 'error',
    plugins: [
      {
        name: 's3lo-core-source',
        setup(build) {
          build.onResolve({ filter: /^@s3lo\/core(\/[a-z-]+)?$/ }, (args) => {
            const sub = args.path.slice('@s3lo/core'.length);
            return { path: join(core, sub === '' ? 'index.ts' : `${sub.slice(1)}/index.ts`) };
          });
        },
      },
    ],
  });
}

async function importEsbuild() {
  const store = join(repo, 'node_modules/.pnpm');
  const dir = existsSync(store) ? readdirSync(store).find((d) => /^esbuild@\d/.test(d)) : undefined;
  if (!dir) throw new Error('esbuild not found in node_modules/.pnpm (run pnpm install)');
  return import(pathToFileURL(join(store, dir, 'node_modules/esbuild/lib/main.js')).href);
}
