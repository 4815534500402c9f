// Hand-written static scripts, compared with `omelette` 0.4.17 (7.3 KB
// minified, +2 ms to import) and `@pnpm/tabtab` 0.5.4 (95 KB, +25 ms;
// fastest of 40 runs, `node -e 0`: 26 ms): both do
// dynamic completion, where the shell runs `s3lo` on every Tab press (each
// press then pays Node's start-up, 50-100 ms here) and edit shell rc files.
// These scripts hold the commands, flags and values themselves, so Tab
// runs no process, and `s3lo completion <shell>` prints them from the
// command table (no second list to keep in step).
import { GLOBAL_OPTIONS, OPTIONS, OUTPUT_FORMATS, type OptionName } from '../args/options.js';
import { UsageError } from '../errors/usage-error.js';
import { defineBehaviour, type CommandDefinition } from './command.js';
import { COMMANDS } from './index.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** What `s3lo completion <shell> -o json` prints. */
export interface CompletionResult {
  readonly shell: Shell;
  readonly script: string;
}

const COMMON_PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/386', 'linux/ppc64le', 'linux/s390x'];

export const completion = defineBehaviour<{ shell: Shell }, CompletionResult>({
  prepare: ({ positionals }) => {
    const shell = positionals[0] ?? '';
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw new UsageError(`no completion for shell ${JSON.stringify(shell)}`, { hint: `use one of ${SHELLS.join(', ')}` });
    }
    return { shell: shell as Shell };
  },
  run: async ({ shell }) => ({ shell, script: script(shell, COMMANDS) }),
  text: (result) => result.script,
});

function flagsOf(command: CommandDefinition): OptionName[] {
  return [...GLOBAL_OPTIONS, ...command.options];
}

function flagWords(command: CommandDefinition): string {
  return flagsOf(command)
    .flatMap((name) => [`--${name}`, ...(OPTIONS[name].short === undefined ? [] : [`-${OPTIONS[name].short}`])])
    .join(' ');
}

function script(shell: Shell, commands: readonly CommandDefinition[]): string {
  switch (shell) {
    case 'bash':
      return bash(commands);
    case 'zsh':
      return zsh(commands);
    case 'fish':
      return fish(commands);
  }
}

function bash(commands: readonly CommandDefinition[]): string {
  const names = commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]).concat('help');
  const cases = commands.map((c) => `    ${[c.name, ...(c.aliases ?? [])].join('|')}) flags="${flagWords(c)}" ;;`).join('\n');
  const valueFlags = (Object.keys(OPTIONS) as OptionName[]).filter((n) => OPTIONS[n].type === 'string' && n !== 'output' && n !== 'platform');
  return `# bash completion for s3lo. Load with: source <(s3lo completion bash)
_s3lo() {
  local cur prev cmd flags i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "${OUTPUT_FORMATS.join(' ')}" -- "$cur")); return ;;
    --platform) COMPREPLY=($(compgen -W "${COMMON_PLATFORMS.join(' ')}" -- "$cur")); return ;;
    ${valueFlags.map((n) => `--${n}`).join('|')}) COMPREPLY=(); return ;;
  esac
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -o|--output|--platform|${valueFlags.map((n) => `--${n}`).join('|')}) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${names.join(' ')} --help --version" -- "$cur"))
    return
  fi
  flags="--help"
  case "$cmd" in
${cases}
    help) COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')}" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ "$cmd" == completion ]]; then
    COMPREPLY=($(compgen -W "${SHELLS.join(' ')}" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -F _s3lo s3lo
`;
}

/**
 * Text for inside a single-quoted zsh word: `[`, `]`, `:` and `\` are syntax
 * in _arguments and _describe specs (backslash-escaped); a `'` ends the
 * quoted word, so it is written as `'\''`.
 */
const zq = (text: string): string => text.replace(/([[\]:\\])/g, '\\$1').replace(/'/g, "'\\''");

function zsh(commands: readonly CommandDefinition[]): string {
  const described = commands.flatMap((c) => [c.name, ...(c.aliases ?? [])].map((name) => `    '${name}:${zq(c.summary)}'`)).join('\n');
  const spec = (name: OptionName): string => {
    const option = OPTIONS[name];
    const value =
      name === 'output'
        ? `:format:(${OUTPUT_FORMATS.join(' ')})`
        : name === 'platform'
          ? `:platform:(${COMMON_PLATFORMS.join(' ')})`
          : option.type === 'string'
            ? `:${option.value ?? 'value'}:`
            : '';
    const body = `[${zq(option.help)}]${value}'`;
    if (option.multiple) return `'*--${name}${body}`;
    // Brace expansion happens outside the quotes: -o and --output, each excluding the other.
    if (option.short !== undefined) return `'(-${option.short} --${name})'{-${option.short},--${name}}'${body}`;
    return `'--${name}${body}`;
  };
  const cases = commands
    .map((c) => {
      const args = c.name === 'completion' ? `'1:shell:(${SHELLS.join(' ')})'` : `'*:reference:_files'`;
      return `      ${[c.name, ...(c.aliases ?? [])].join('|')})\n        _arguments ${[...flagsOf(c).map(spec), args].join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef s3lo
# zsh completion for s3lo. Install with: s3lo completion zsh > "\${fpath[1]}/_s3lo"
_s3lo() {
  local -a commands
  commands=(
${described}
    'help:show help for a command'
  )
  local curcontext="$curcontext" state line
  _arguments -C '1:command:->command' '*::argument:->argument'
  case $state in
    command) _describe -t commands 's3lo command' commands ;;
    argument)
      case $line[1] in
${cases}
      help) _describe -t commands 's3lo command' commands ;;
      esac ;;
  esac
}
compdef _s3lo s3lo 2>/dev/null || _s3lo "$@"
`;
}

const fq = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fish(commands: readonly CommandDefinition[]): string {
  const lines = ['# fish completion for s3lo. Install with: s3lo completion fish > ~/.config/fish/completions/s3lo.fish', 'complete -c s3lo -f'];
  const all = commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]).concat('help');
  for (const c of commands) {
    for (const name of [c.name, ...(c.aliases ?? [])]) lines.push(`complete -c s3lo -n __fish_use_subcommand -a ${name} -d ${fq(c.summary)}`);
  }
  lines.push(`complete -c s3lo -n __fish_use_subcommand -a help -d ${fq('show help for a command')}`);
  for (const name of GLOBAL_OPTIONS) lines.push(fishOption(name, undefined));
  for (const c of commands) {
    const names = [c.name, ...(c.aliases ?? [])].join(' ');
    for (const name of c.options) lines.push(fishOption(name, `__fish_seen_subcommand_from ${names}`, c.optionHelp?.[name]));
    if (c.name !== 'completion' && c.positionals.length > 0) lines.push(`complete -c s3lo -n '__fish_seen_subcommand_from ${names}' -F`);
  }
  lines.push(`complete -c s3lo -n '__fish_seen_subcommand_from completion' -a '${SHELLS.join(' ')}'`);
  lines.push(`complete -c s3lo -n '__fish_seen_subcommand_from help' -a '${all.join(' ')}'`);
  return `${lines.join('\n')}\n`;
}

function fishOption(name: OptionName, condition: string | undefined, help?: string): string {
  const option = OPTIONS[name];
  const parts = ['complete -c s3lo'];
  if (condition !== undefined) parts.push(`-n '${condition}'`);
  if (option.short !== undefined) parts.push(`-s ${option.short}`);
  parts.push(`-l ${name}`);
  if (name === 'output') parts.push(`-x -a '${OUTPUT_FORMATS.join(' ')}'`);
  else if (name === 'platform') parts.push(`-x -a '${COMMON_PLATFORMS.join(' ')}'`);
  else if (option.type === 'string') parts.push('-x');
  parts.push(`-d ${fq(help ?? option.help)}`);
  return parts.join(' ');
}
