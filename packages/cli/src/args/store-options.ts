import type { PluginRegistry } from '@s3lo/core';
import type { BackendOptions } from '@s3lo/core/storage';
import type { OptionValues } from '../commands/command.js';
import { UsageError } from '../errors/usage-error.js';
import { editDistance } from './parse.js';

/** A `--store-option` value as the backend gets it. */
export type StoreOptionValue = string | number | boolean;

/** Store options that have a flag of their own: giving both would leave one of them ignored. */
const OWN_FLAGS: Readonly<Record<string, string>> = { endpoint: '--endpoint', region: '--region' };

/**
 * `--store-option name=value` flags (repeatable) as backend options:
 * `true`/`false` become booleans, a decimal integer a number, anything else
 * stays a string (`storageClass=STANDARD_IA`). Whether the backend has such
 * an option is checked once its plugin is loaded ({@link checkStoreOptionNames});
 * whether the value suits it, by the backend.
 *
 * @throws UsageError for a flag without `=`, an empty name, a name given
 *   twice, `signal` (not an option), or `endpoint`/`region` next to
 *   `--endpoint`/`--region`
 */
export function readStoreOptions(values: OptionValues): Record<string, StoreOptionValue> {
  const given = values['store-option'];
  if (given === undefined) return {};
  const options: Record<string, StoreOptionValue> = {};
  for (const text of Array.isArray(given) ? given : [String(given)]) {
    const equals = text.indexOf('=');
    if (equals === -1) {
      throw new UsageError(`--store-option ${JSON.stringify(text)} has no "="`, { hint: 'write --store-option name=value, e.g. --store-option conditionalCreate=true' });
    }
    const name = text.slice(0, equals);
    if (name.trim() === '') {
      throw new UsageError(`--store-option ${JSON.stringify(text)} has no option name before "="`, { hint: 'write --store-option name=value, e.g. --store-option conditionalCreate=true' });
    }
    if (name === 'signal') throw new UsageError('--store-option signal is not a store option', { hint: 'use --timeout, or Ctrl-C, to stop a command' });
    if (Object.hasOwn(options, name)) {
      throw new UsageError(`--store-option ${name} is given twice`, { hint: `keep one --store-option ${name}=...` });
    }
    const flag = OWN_FLAGS[name];
    if (flag !== undefined && values[name as 'endpoint' | 'region'] !== undefined) {
      throw new UsageError(`${flag} and --store-option ${name} both set the ${name}`, { hint: `keep one of them` });
    }
    options[name] = typed(text.slice(equals + 1));
  }
  return options;
}

function typed(value: string): StoreOptionValue {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?\d+$/.test(value)) {
    const n = Number(value);
    // Beyond 2^53 a number would not be the integer written: the backend gets the text and says what it wants.
    if (Number.isSafeInteger(n)) return n;
  }
  return value;
}

/**
 * Refuses a store option that none of the command's backends has, when
 * every one of them declares its options (`BackendPlugin.optionNames`): a
 * misspelt `conditionalCreat=true` must fail, not be ignored. A backend
 * without `optionNames` (a third-party plugin) may read anything, so
 * nothing is refused then. With two backends (a copy between stores) every
 * option goes to both; each reads its own.
 *
 * @param schemes the bucket schemes the command opens, their plugins loaded
 * @throws UsageError naming the option, with the backends' options as hint
 */
export function checkStoreOptionNames(names: readonly string[], schemes: readonly string[], registry: PluginRegistry): void {
  if (names.length === 0) return;
  const declared: { scheme: string; options: readonly string[] }[] = [];
  for (const scheme of new Set(schemes)) {
    const plugin = registry.backendPlugin(scheme);
    // Not served: the command fails with UNKNOWN_SCHEME when it opens the bucket.
    if (plugin === undefined) continue;
    if (plugin.optionNames === undefined) return;
    declared.push({ scheme, options: plugin.optionNames });
  }
  if (declared.length === 0) return;
  for (const name of names) {
    if (declared.some((backend) => backend.options.includes(name))) continue;
    const known = declared.flatMap((backend) => backend.options);
    const close = known.filter((option) => editDistance(option.toLowerCase(), name.toLowerCase()) <= 2).slice(0, 1);
    const lists = declared.map(
      (backend) => `${declared.length === 1 ? 'its' : `the ${backend.scheme} backend's`} options: ${backend.options.length === 0 ? 'none' : [...backend.options].sort().join(', ')}`,
    );
    throw new UsageError(`${subject(declared.map((backend) => backend.scheme))} ${JSON.stringify(name)}`, {
      hint: `${close.length > 0 ? `did you mean ${close[0]}? ` : ''}${lists.join('; ')}`,
    });
  }
}

/**
 * `--endpoint` and `--region` are store options with flags of their own,
 * checked like {@link checkStoreOptionNames}: a flag that none of the
 * command's backends takes is a usage error, not silently ignored
 * (`--endpoint` on a `local://` command was accepted and did nothing). A
 * backend without `optionNames` may take anything. To say which schemes do
 * take the flag, every plugin the CLI has is loaded (`loadAll`), on this
 * error path only.
 *
 * @param schemes the bucket schemes the command opens, their plugins loaded
 * @throws UsageError naming the flag and the schemes that take it
 */
export async function checkStoreFlags(values: OptionValues, schemes: readonly string[], registry: PluginRegistry, loadAll: () => Promise<unknown>): Promise<void> {
  for (const [name, flag] of Object.entries(OWN_FLAGS)) {
    if (values[name as 'endpoint' | 'region'] === undefined) continue;
    const plugins = [...new Set(schemes)].map((scheme) => registry.backendPlugin(scheme));
    // Not served (UNKNOWN_SCHEME later), or a backend that reads anything.
    if (plugins.some((plugin) => plugin === undefined || plugin.optionNames === undefined || plugin.optionNames.includes(name))) continue;
    await loadAll();
    const takers = registry.schemes().filter((scheme) => registry.backendPlugin(scheme)?.optionNames?.includes(name));
    const where = schemes.length === 0 ? 'this command, which opens no bucket' : `${[...new Set(schemes)].map((scheme) => `${scheme}://`).join(' or ')} buckets`;
    throw new UsageError(`${flag} does not apply to ${where}`, {
      hint: takers.length === 0 ? `leave out ${flag}` : `${flag} is for ${takers.map((scheme) => `${scheme}://`).join(', ')} buckets; leave it out here`,
    });
  }
}

function subject(schemes: readonly string[]): string {
  if (schemes.length === 1) return `the ${schemes[0]} backend has no option`;
  if (schemes.length === 2) return `neither the ${schemes[0]} nor the ${schemes[1]} backend has an option`;
  return `none of the ${schemes.join(', ')} backends has an option`;
}

/**
 * Opens (and closes) each bucket's backend once before the command runs,
 * so a store option value the backend refuses (`partSize=abc`,
 * `fsync=no`) is a usage error (exit 2) before any work, like every other
 * bad value on the command line. Creating a backend does no I/O (the s3
 * client connects on its first request); failures other than a refused
 * argument are left for the command to meet and report.
 *
 * @throws UsageError with the backend's message and hint
 */
export async function checkStoreOptionValues(buckets: readonly { readonly scheme: string; readonly bucket: string }[], registry: PluginRegistry, options: BackendOptions): Promise<void> {
  // Here, not at the top: reading --store-option must not load the library.
  const { ErrorCode, S3loError } = await import('@s3lo/core');
  const seen = new Set<string>();
  for (const target of buckets) {
    // A copy inside one bucket names it twice: one backend tells.
    const id = `${target.scheme}://${target.bucket}`;
    if (seen.has(id)) continue;
    seen.add(id);
    let backend;
    try {
      backend = await registry.resolveBackend(target, options);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT)) throw new UsageError(error.message, { hint: error.hint, cause: error });
      continue;
    }
    await backend.close?.();
  }
}
