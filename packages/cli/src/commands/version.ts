import type { PluginInfo } from '../plugins/plugin-host.js';
import { table } from '../output/table.js';
import { VERSION } from '../version.js';
import { defineBehaviour } from './command.js';

/**
 * What `s3lo version -o json` prints. Plain `s3lo version` and
 * `s3lo --version` print one line and load nothing (no plugin, no
 * library); `-v`, `-o json` and `-o yaml` load every plugin to list it.
 */
export type VersionResult = { readonly version: string; readonly plugins?: undefined } | VersionDetails;

/** `s3lo version -v` (text) and `-o json|yaml`. */
export interface VersionDetails {
  readonly version: string;
  /** The Node.js running it (`process.version`). */
  readonly node: string;
  /** `os/arch` of the host, as Node names them. */
  readonly platform: string;
  /** Built in, from S3LO_PLUGINS, and installed packages the naming convention would load. */
  readonly plugins: PluginInfo[];
}

export const version = defineBehaviour<Record<string, never>, VersionResult>({
  prepare: () => ({}),
  run: async (_plan, context) => {
    // One line, like skopeo and crane, unless the plugins are asked for.
    if (context.output === 'text' && !context.verbose) return { version: VERSION };
    return {
      version: VERSION,
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      plugins: await context.plugins(),
    };
  },
  text: (result) => {
    if (result.plugins === undefined) return `s3lo version ${result.version}\n`;
    const rows = result.plugins.map((p) => [
      p.name,
      p.kind,
      p.error !== undefined ? 'cannot load' : p.serves.length === 0 ? '(served by another)' : p.serves.map((s) => (p.kind === 'backend' ? `${s}://` : `${s}:`)).join(' '),
      p.path ?? p.source,
    ]);
    const problems = result.plugins.filter((p) => p.error !== undefined).map((p) => `${p.name}: ${p.error}\n`);
    return `s3lo version ${result.version} (node ${result.node}, ${result.platform})\n\n${table(['PLUGIN', 'KIND', 'SERVES', 'FROM'], rows)}${problems.join('')}`;
  },
});
