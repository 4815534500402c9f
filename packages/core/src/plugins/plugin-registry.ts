import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import { STORAGE_CONTRACT_VERSION, type StorageBackend } from '../storage/backend.js';
import type { BackendOptions, BackendPlugin } from '../storage/plugin.js';
import { TRANSPORT_CONTRACT_VERSION, type TransportPlugin } from '../image/transport.js';
import { isPlannedPackage, suggestedBackendPackages, suggestedTransportPackage } from './package-names.js';

const SCHEME_PATTERN = /^[a-z][a-z0-9+.-]*$/;

/** Where a backend is needed: the scheme and bucket of any bucket reference. */
export interface BucketTarget {
  readonly scheme: string;
  readonly bucket: string;
}

/**
 * The plugins known to this process. Core ships no backend: the CLI (or the
 * user's program) registers the ones it bundles, third-party packages
 * register theirs. Scanner plugins will be held here too.
 *
 * Most programs use the process-wide {@link defaultRegistry} through
 * {@link registerBackend} and {@link resolveBackend}; tests and embedders can
 * keep a registry of their own.
 */
export class PluginRegistry {
  readonly #backends = new Map<string, BackendPlugin>();
  readonly #transports = new Map<string, TransportPlugin>();

  /**
   * Adds a storage plugin for each of its schemes. Registering the same
   * plugin again is a no-op; a different plugin for a taken scheme is an
   * error unless `replace` is set.
   */
  registerBackend(plugin: BackendPlugin, options: { replace?: boolean } = {}): void {
    validateBackendPlugin(plugin);
    for (const scheme of plugin.schemes) {
      const existing = this.#backends.get(scheme);
      if (existing !== undefined && existing !== plugin && !options.replace) {
        throw new S3loError(ErrorCode.INVALID_ARGUMENT, `scheme "${scheme}" is already served by ${existing.name}; cannot register ${plugin.name} for it`, {
          hint: 'pass { replace: true } to registerBackend to override it',
        });
      }
    }
    for (const scheme of plugin.schemes) this.#backends.set(scheme, plugin);
  }

  /**
   * Adds a transport plugin for each location kind it serves (same rules as
   * {@link PluginRegistry.registerBackend}).
   */
  registerTransport(plugin: TransportPlugin, options: { replace?: boolean } = {}): void {
    const name = typeof plugin?.name === 'string' && plugin.name !== '' ? plugin.name : '(unnamed plugin)';
    if (plugin?.kind !== 'transport') {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} is not a transport plugin (kind is ${JSON.stringify(plugin?.kind)})`);
    }
    if (plugin.contractVersion !== TRANSPORT_CONTRACT_VERSION) {
      throw contractMismatch(name, 'transport', `${name} implements`, plugin.contractVersion, TRANSPORT_CONTRACT_VERSION);
    }
    if (!Array.isArray(plugin.locations) || plugin.locations.length === 0) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} declares no location kinds`);
    }
    if (typeof plugin.openSource !== 'function' || typeof plugin.openSink !== 'function') {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} must have openSource() and openSink()`);
    }
    for (const kind of plugin.locations) {
      const existing = this.#transports.get(kind);
      if (existing !== undefined && existing !== plugin && !options.replace) {
        throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${kind} locations are already served by ${existing.name}; cannot register ${name} for them`, {
          hint: 'pass { replace: true } to registerTransport to override it',
        });
      }
    }
    for (const kind of plugin.locations) this.#transports.set(kind, plugin);
  }

  /**
   * The transport plugin serving a location kind (`oci-archive`, ...). An
   * unserved kind gets UNKNOWN_SCHEME naming the package to install.
   */
  transportFor(kind: string): TransportPlugin {
    const plugin = this.#transports.get(kind);
    if (plugin !== undefined) return plugin;
    const pkg = suggestedTransportPackage(kind);
    throw new S3loError(ErrorCode.UNKNOWN_SCHEME, `no transport for ${kind}: locations`, {
      details: { kind, packages: [pkg] },
      hint: isPlannedPackage(pkg)
        ? `${pkg}, the first-party transport for ${kind}:, is planned but not published yet: register a transport plugin that serves ${kind}:`
        : `install ${pkg} and register it`,
    });
  }

  /** The plugin serving `scheme`, if any. */
  backendPlugin(scheme: string): BackendPlugin | undefined {
    return this.#backends.get(scheme);
  }

  /** Every scheme with a registered backend, sorted. */
  schemes(): string[] {
    return [...this.#backends.keys()].sort();
  }

  /**
   * A backend bound to the bucket of `target` (any parsed bucket reference).
   * An unregistered scheme gets UNKNOWN_SCHEME naming the package to install.
   */
  async resolveBackend(target: BucketTarget, options: BackendOptions = {}): Promise<StorageBackend> {
    const plugin = this.#backends.get(target.scheme);
    if (plugin === undefined) throw unknownSchemeError(target.scheme, this.schemes());
    const backend = await plugin.create(target.bucket, options);
    if (backend?.contractVersion !== STORAGE_CONTRACT_VERSION) {
      throw contractMismatch(plugin.name, 'storage', `${plugin.name} returned a backend for`, backend?.contractVersion, STORAGE_CONTRACT_VERSION);
    }
    return backend;
  }
}

function validateBackendPlugin(plugin: BackendPlugin): void {
  const name = typeof plugin?.name === 'string' && plugin.name !== '' ? plugin.name : '(unnamed plugin)';
  if (plugin?.kind !== 'backend') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} is not a storage backend plugin (kind is ${JSON.stringify(plugin?.kind)})`);
  }
  if (plugin.contractVersion !== STORAGE_CONTRACT_VERSION) {
    throw contractMismatch(name, 'storage', `${name} implements`, plugin.contractVersion, STORAGE_CONTRACT_VERSION);
  }
  if (!Array.isArray(plugin.schemes) || plugin.schemes.length === 0) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} declares no schemes`);
  }
  for (const scheme of plugin.schemes) {
    if (typeof scheme !== 'string' || !SCHEME_PATTERN.test(scheme)) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} declares an invalid scheme ${JSON.stringify(scheme)}`);
    }
  }
  if (typeof plugin.create !== 'function') {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} has no create() factory`);
  }
  const optionNames: unknown = plugin.optionNames;
  if (optionNames !== undefined && (!Array.isArray(optionNames) || !optionNames.every((option) => typeof option === 'string' && option !== ''))) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `${name} declares optionNames that are not a list of option names: ${JSON.stringify(optionNames)}`);
  }
}

/**
 * PLUGIN_INCOMPATIBLE for a plugin of another contract version. Core speaks
 * exactly one version of each contract (the versioning policy is in
 * docs/plugin-authors.md), so the hint says which side to upgrade: core when
 * the plugin is newer, the plugin when it is older.
 */
function contractMismatch(name: string, contract: 'storage' | 'transport', subject: string, version: unknown, speaks: number): S3loError {
  const newer = typeof version === 'number' && version > speaks;
  const hint = newer
    ? `${name} is newer than this @s3lo/core: upgrade @s3lo/core to a release that speaks ${contract} contract ${version}, or install a ${name} release for contract ${speaks}`
    : `${name} is older than this @s3lo/core: upgrade ${name} to a release for ${contract} contract ${speaks}` +
      (typeof version === 'number' ? `, or use an @s3lo/core that speaks contract ${version}` : '');
  return new S3loError(ErrorCode.PLUGIN_INCOMPATIBLE, `${subject} ${contract} contract ${String(version)}; this @s3lo/core speaks ${speaks}`, {
    details: { plugin: name, contractVersion: version, supported: [speaks] },
    hint,
  });
}

function unknownSchemeError(scheme: string, known: string[]): S3loError {
  const packages = suggestedBackendPackages(scheme);
  const registered = known.length > 0 ? `registered: ${known.map((s) => `${s}://`).join(', ')}` : 'no backend is registered';
  return new S3loError(ErrorCode.UNKNOWN_SCHEME, `no storage backend for ${scheme}:// (${registered})`, {
    details: { scheme, packages },
    hint: packages.some(isPlannedPackage)
      ? `${packages.join(' or ')}, the first-party backend for ${scheme}://, is planned but not published yet: register a backend plugin that serves ${scheme}://`
      : `install ${packages.join(' or ')} and register it (the s3lo CLI loads it by name)`,
  });
}

/** The registry used by {@link registerBackend} and {@link resolveBackend}. */
export const defaultRegistry = new PluginRegistry();

/**
 * Registers a storage plugin with the process-wide registry.
 *
 * @example
 * ```ts
 * import { registerBackend } from '@s3lo/core';
 * import localBackend from '@s3lo/backend-local';
 * registerBackend(localBackend);
 * ```
 */
export function registerBackend(plugin: BackendPlugin, options?: { replace?: boolean }): void {
  defaultRegistry.registerBackend(plugin, options);
}

/**
 * Registers a transport plugin (archives, Docker engine, registries) with
 * the process-wide registry.
 *
 * @example
 * ```ts
 * import { registerTransport } from '@s3lo/core';
 * import archives from '@s3lo/transport-archive';
 * registerTransport(archives);
 * ```
 */
export function registerTransport(plugin: TransportPlugin, options?: { replace?: boolean }): void {
  defaultRegistry.registerTransport(plugin, options);
}

/**
 * A backend for a parsed bucket reference, from the process-wide registry.
 *
 * @example
 * ```ts
 * const target = ref.parse('local://./store/app:v1');
 * const backend = await resolveBackend(target);
 * ```
 */
export function resolveBackend(target: BucketTarget, options?: BackendOptions): Promise<StorageBackend> {
  return defaultRegistry.resolveBackend(target, options);
}
