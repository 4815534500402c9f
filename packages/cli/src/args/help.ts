import type { CommandDefinition } from '../commands/command.js';
import { table } from '../output/table.js';
import { VERSION } from '../version.js';
import { GLOBAL_OPTIONS, OPTIONS, flagLabel, type OptionName } from './options.js';

/** The one usage line printed under a usage error. */
export function usageLine(command: CommandDefinition | undefined): string {
  if (command === undefined) return "usage: s3lo <command> [flags] [arguments]   (run 's3lo --help' for the commands)";
  return `usage: s3lo ${command.name}${command.arguments === '' ? '' : ` ${command.arguments}`} [flags]   (run 's3lo ${command.name} --help' for more)`;
}

const REFERENCES = `references:
  bucket image   <scheme>://<bucket>/<image>[:<tag>|@sha256:<digest>]   schemes s3, local, or a plugin's
  bucket         <scheme>://<bucket>[/<name prefix>/]                    for list, stats, clean
  local image    oci:<dir>[:<tag>]   oci-archive:<file>[:<tag>]   docker-archive:<file>[:<name:tag>]   docker-daemon:<name:tag>
  registry       alpine, ghcr.io/org/app:v1, docker://...               (copy, with a registry transport plugin)
  local:// directories: local://./store/app:v1 is the directory ./store; with "//" the directory is
  everything before it: local:///srv/s3lo//team/app:v1 is /srv/s3lo, image team/app.`;

const ENVIRONMENT = `environment:
  S3LO_PLUGINS   plugin packages (or paths) to load, comma-separated, e.g. S3LO_PLUGINS=s3lo-backend-foo
                 An unknown scheme foo:// also loads @s3lo/backend-foo or s3lo-backend-foo when installed
                 in ./node_modules (or a parent's), NODE_PATH or the global prefix (npm install -g).`;

const EXIT_CODES = `exit codes:
  0    success
  1    the operation failed (not found, refused, store error, --timeout); verify: something is broken
  2    usage error: unknown command or flag, bad value or reference; nothing was done
  130  interrupted (Ctrl-C or SIGTERM): cancelled cleanly, no tag written; a second Ctrl-C quits at once`;

/** `s3lo --help`. */
export function generalHelp(commands: readonly CommandDefinition[]): string {
  const rows = commands.map((c) => [`${[c.name, ...(c.aliases ?? [])].join('|')} ${c.arguments}`.trim(), c.summary]);
  return `s3lo ${VERSION}: any object store as a container-image registry

usage: s3lo <command> [flags] [arguments]

commands:
${indent(table(undefined, rows))}
${REFERENCES}

flags of every command:
${indent(flagTable(GLOBAL_OPTIONS))}
${ENVIRONMENT}

${EXIT_CODES}

Run 's3lo <command> --help' for a command's flags and examples.
`;
}

/** `s3lo <command> --help`. */
export function commandHelp(command: CommandDefinition): string {
  const aliases = command.aliases?.length ? `\naliases: ${command.aliases.join(', ')}\n` : '';
  const own = command.options.length > 0 ? `\nflags:\n${indent(flagTable(command.options, command.optionHelp))}` : '';
  return `usage: s3lo ${command.name}${command.arguments === '' ? '' : ` ${command.arguments}`} [flags]
${aliases}
${command.summary}.

${wrap(command.description, 80)}
${own}
flags of every command:
${indent(flagTable(GLOBAL_OPTIONS))}
examples:
${command.examples.map((e) => `  ${e}`).join('\n')}

${EXIT_CODES}
`;
}

function flagTable(names: readonly OptionName[], overrides: Partial<Record<OptionName, string>> = {}): string {
  return table(
    undefined,
    names.map((name) => [flagLabel(name), overrides[name] ?? OPTIONS[name].help]),
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}

/** Wraps prose paragraphs at `width`; indented lines (commands, tables) are kept as written. */
function wrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith(' ') || line.length <= width) return line;
      const out: string[] = [];
      let current = '';
      for (const word of line.split(' ')) {
        if (current !== '' && current.length + 1 + word.length > width) {
          out.push(current);
          current = word;
        } else current = current === '' ? word : `${current} ${word}`;
      }
      if (current !== '') out.push(current);
      return out.join('\n');
    })
    .join('\n');
}
