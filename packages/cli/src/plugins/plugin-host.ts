import { pathToFileURL } from 'node:url';
import { ErrorCode, PluginRegistry, S3loError, suggestedBackendPackages } from '@s3lo/core';
import type { TransportPlugin } from '@s3lo/core/image';
import type { BackendPlugin } from '@s3lo/core/storage';
import type { PluginNeeds } from '../commands/command.js';
import { FIRST_PARTY_PLUGINS } from './builtin.js';
import { findConventionPackages, findPackage, isPathSpecifier, pluginSearchPath, resolvePath, type ResolvedPackage } from './resolve-package.js';

/** How a plugin came to be loaded, as `s3lo version` reports it. */
export type PluginSource = 'built-in' | 'S3LO_PLUGINS' | 'convention';

/** One loaded plugin, as `s3lo version` prints it. */
export interface PluginInfo {
  readonly name: string;
  readonly kind: 'backend' | 'transport';
  /** Schemes (backends) or location kinds (transports). */
  readonly serves: readonly string[];
  readonly source: PluginSource;
  /** Where a third-party plugin was loaded from. */
  readonly path?: string;
  /** Why a package found by its name could not be loaded (`version -v` lists it anyway). */
  readonly error?: string;
}

type AnyPlugin = BackendPlugin | TransportPlugin;

/**
 * The plugins of one run, in a registry of its own. Resolution order:
 *
 * 1. Every package (or path) in S3LO_PLUGINS, comma-separated, loaded first
 *    and in order. They may serve schemes the CLI has built in, and then
 *    win: that is how to try another build of a first-party backend.
 * 2. The first-party plugins built into the CLI, for the schemes and
 *    location kinds the command uses.
 * 3. For a scheme still unserved, the convention: `@s3lo/backend-<scheme>`,
 *    then `s3lo-backend-<scheme>`, each looked for in the search path of
 *    {@link pluginSearchPath} (the working directory's node_modules and its
 *    parents', NODE_PATH, the global prefix).
 *
 * Nothing found: the library's UNKNOWN_SCHEME error says which packages
 * would serve the scheme.
 */
export class PluginHost {
  readonly registry = new PluginRegistry();
  readonly #infos: PluginInfo[] = [];
  readonly #served = new Set<string>();
  /** Packages already imported (by package name), so the convention scan skips them. */
  readonly #packages = new Set<string>(FIRST_PARTY_PLUGINS.map((p) => p.name));
  #configured = false;
  readonly #cwd: string;
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(cwd: string, env: Readonly<Record<string, string | undefined>>) {
    this.#cwd = cwd;
    this.#env = env;
  }

  /** Loads S3LO_PLUGINS. A listed plugin that cannot be found or loaded is an error: the user asked for it. */
  async loadConfigured(): Promise<void> {
    if (this.#configured) return;
    this.#configured = true;
    const list = (this.#env['S3LO_PLUGINS'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const specifier of list) {
      const found = isPathSpecifier(specifier) ? resolvePath(specifier, this.#cwd) : findPackage(specifier, this.#searchPath());
      if (found === undefined) {
        throw new S3loError(ErrorCode.NOT_FOUND, `plugin ${specifier} (named in S3LO_PLUGINS) is not installed`, {
          details: { package: specifier },
          hint: isPathSpecifier(specifier)
            ? `check the path (relative paths start from ${this.#cwd})`
            : `install it: npm install -g ${specifier} (or into ${this.#cwd}/node_modules), or remove it from S3LO_PLUGINS`,
        });
      }
      this.#packages.add(specifier);
      for (const plugin of await importPlugins(specifier, found)) this.#register(plugin, 'S3LO_PLUGINS', found.entry);
    }
  }

  /** Makes sure the plugins a command needs are registered (first-party, then by convention). */
  async prepare(needs: PluginNeeds): Promise<void> {
    for (const name of [...needs.schemes, ...needs.transports]) {
      if (this.#served.has(name)) continue;
      const builtIn = FIRST_PARTY_PLUGINS.find((p) => p.serves.includes(name));
      if (builtIn !== undefined) await this.#loadFirstParty(builtIn);
    }
    for (const scheme of needs.schemes) {
      if (this.#served.has(scheme)) continue;
      await this.#loadByConvention(scheme);
    }
  }

  /**
   * Every plugin this CLI has: S3LO_PLUGINS, all first-party ones, and every
   * installed package the convention would load (`@s3lo/backend-*`,
   * `s3lo-backend-*` in the search path), each loaded now. For
   * `version -v` and error paths only: it imports every SDK there is.
   */
  async all(): Promise<PluginInfo[]> {
    await this.loadConfigured();
    for (const plugin of FIRST_PARTY_PLUGINS) await this.#loadFirstParty(plugin);
    for (const { name, found } of findConventionPackages(this.#searchPath())) {
      if (this.#packages.has(name)) continue;
      this.#packages.add(name);
      let plugins: AnyPlugin[];
      try {
        plugins = await importPlugins(name, found);
      } catch (error) {
        this.#infos.push({ name, kind: 'backend', serves: [], source: 'convention', path: found.dir, error: (error as Error).message });
        continue;
      }
      const before = this.#infos.length;
      for (const plugin of plugins) this.#register(plugin, 'convention', found.entry, (served) => !this.#served.has(served));
      // Everything it serves is served already (S3LO_PLUGINS or built in win): listed, serving nothing.
      if (this.#infos.length === before) this.#infos.push({ name, kind: plugins[0]?.kind ?? 'backend', serves: [], source: 'convention', path: found.entry });
    }
    return [...this.#infos];
  }

  async #loadFirstParty(entry: (typeof FIRST_PARTY_PLUGINS)[number]): Promise<void> {
    if (this.#infos.some((info) => info.name === entry.name && info.source === 'built-in')) return;
    // S3LO_PLUGINS already serves everything this one would: it wins.
    if (entry.serves.every((name) => this.#served.has(name))) return;
    const plugin = pluginOf((await entry.load()).default, entry.name);
    this.#register(plugin, 'built-in', undefined, (name) => !this.#served.has(name));
  }

  async #loadByConvention(scheme: string): Promise<void> {
    const searchPath = this.#searchPath();
    for (const name of suggestedBackendPackages(scheme)) {
      const found = findPackage(name, searchPath);
      if (found === undefined) continue;
      this.#packages.add(name);
      const plugins = await importPlugins(name, found);
      for (const plugin of plugins) this.#register(plugin, 'convention', found.entry, (served) => !this.#served.has(served));
      if (!this.#served.has(scheme)) {
        throw new S3loError(ErrorCode.PLUGIN_INCOMPATIBLE, `${name} (found at ${found.dir}) does not serve ${scheme}://`, {
          details: { package: name, scheme },
          hint: `s3lo loads ${name} for ${scheme}:// by its name; its plugin must list "${scheme}" in its schemes`,
        });
      }
      return;
    }
  }

  #register(plugin: AnyPlugin, source: PluginSource, path: string | undefined, wanted: (name: string) => boolean = () => true): void {
    if (plugin.kind === 'backend') {
      const serves = plugin.schemes.filter(wanted);
      if (serves.length === 0) return;
      this.registry.registerBackend(serves.length === plugin.schemes.length ? plugin : { ...plugin, schemes: serves });
      serves.forEach((s) => this.#served.add(s));
      this.#infos.push({ name: plugin.name, kind: 'backend', serves, source, ...(path === undefined ? {} : { path }) });
    } else {
      const serves = plugin.locations.filter(wanted);
      if (serves.length === 0) return;
      this.registry.registerTransport(serves.length === plugin.locations.length ? plugin : { ...plugin, locations: serves });
      serves.forEach((s) => this.#served.add(s));
      this.#infos.push({ name: plugin.name, kind: 'transport', serves, source, ...(path === undefined ? {} : { path }) });
    }
  }

  #searchPath(): string[] {
    return pluginSearchPath(this.#cwd, this.#env, process.execPath);
  }
}

/**
 * The plugins a module exports: its default export (a plugin or a list of
 * them), else a named `plugin` export.
 */
async function importPlugins(name: string, found: ResolvedPackage): Promise<AnyPlugin[]> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(found.entry).href)) as Record<string, unknown>;
  } catch (error) {
    throw new S3loError(ErrorCode.PLUGIN_INCOMPATIBLE, `cannot load plugin ${name} from ${found.entry}: ${(error as Error).message ?? String(error)}`, {
      cause: error,
      details: { package: name, path: found.entry },
      hint: 'reinstall it, or check that it was built for this Node.js and @s3lo/core',
    });
  }
  const exported = module['default'] ?? module['plugin'];
  const list = Array.isArray(exported) ? exported : [exported];
  return list.map((item) => pluginOf(item, name));
}

function pluginOf(value: unknown, name: string): AnyPlugin {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (kind === 'backend' || kind === 'transport') return value as AnyPlugin;
  throw new S3loError(ErrorCode.PLUGIN_INCOMPATIBLE, `${name} does not export an s3lo plugin (its default export has kind ${JSON.stringify(kind)})`, {
    details: { package: name },
    hint: 'a plugin package exports a BackendPlugin or TransportPlugin as its default export (see @s3lo/core/storage)',
  });
}
