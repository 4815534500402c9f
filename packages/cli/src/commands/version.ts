import type { PluginInfo } from '../plugins/plugin-host.js';
import { table } from '../output/table.js';
import { VERSION } from '../version.js';
import { defineCommand } from './command.js';

/** What `s3lo version -o json` prints. */
export interface VersionResult {
  readonly version: string;
  /** The Node.js running it (`process.version`). */
  readonly node: string;
  /** `os/arch` of the host, as Node names them. */
  readonly platform: string;
  readonly plugins: PluginInfo[];
}

export const version = defineCommand<Record<string, never>, VersionResult>({
  name: 'version',
  summary: 'show the version and the plugins it has',
  arguments: '',
  description: `Shows the version of s3lo and of Node.js, and every plugin: the built-in ones and those loaded from S3LO_PLUGINS, with the schemes and locations each serves.`,
  examples: ['s3lo version', 's3lo version -o json'],
  positionals: [],
  options: [],
  prepare: () => ({}),
  run: async (_plan, context) => ({
    version: VERSION,
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    plugins: await context.plugins(),
  }),
  text: (result) =>
    `s3lo ${result.version} (node ${result.node}, ${result.platform})\n\n` +
    table(
      ['PLUGIN', 'KIND', 'SERVES', 'FROM'],
      result.plugins.map((p) => [p.name, p.kind, p.serves.map((s) => (p.kind === 'backend' ? `${s}://` : `${s}:`)).join(' '), p.path ?? p.source]),
    ),
});
