import { parseArgs } from 'node:util';
import type { CommandDefinition, OptionValues } from '../commands/command.js';
import { UsageError } from '../errors/usage-error.js';
import { GLOBAL_OPTIONS, OPTIONS, OUTPUT_FORMATS, type OptionName, type OutputFormat } from './options.js';

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: 'help'; readonly command: CommandDefinition | undefined }
  | { readonly kind: 'run'; readonly command: CommandDefinition; readonly positionals: string[]; readonly values: OptionValues; readonly globals: GlobalFlags };

/** The flags every command takes, validated. */
export interface GlobalFlags {
  readonly output: OutputFormat;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

type ParseConfig = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

// Every flag of every command takes part in tokenising, so `--platform x`
// consumes its value wherever it stands; whether the command accepts it is
// checked afterwards, to say "push has no --confirm" instead of guessing.
const TOKENISER: ParseConfig = {
  ...Object.fromEntries(
    (Object.keys(OPTIONS) as OptionName[]).map((name) => {
      const { type, short, multiple } = OPTIONS[name];
      return [name, { type, ...(short === undefined ? {} : { short }), ...(multiple ? { multiple } : {}) }];
    }),
  ),
  version: { type: 'boolean' },
};

// Argument parsing uses node:util's parseArgs (built into Node, nothing to
// load or ship) for tokens; the checks around it are ours so that messages
// speak of s3lo's flags and commands, with suggestions for misspellings.

/**
 * Splits argv into a command, its positionals and flags, with node:util's
 * parseArgs tokens and our own checks (its strict mode's messages talk
 * about JavaScript, not about s3lo). Flags may come before or after the
 * command; `--` ends the flags.
 *
 * @throws UsageError for an unknown command or flag, a flag without its
 *   value, a value for a switch, a wrong number of arguments, or a bad
 *   `-o` value.
 */
export function parseCommandLine(argv: readonly string[], commands: readonly CommandDefinition[]): CommandLine {
  const { tokens } = parseArgs({ args: [...argv], options: TOKENISER, strict: false, allowPositionals: true, tokens: true });
  const positionals = tokens.filter((t) => t.kind === 'positional').map((t) => t.value);
  const wantsHelp = tokens.some((t) => t.kind === 'option' && t.name === 'help');
  const [name, ...rest] = positionals;

  if (name === undefined) {
    if (wantsHelp) return { kind: 'help', command: undefined };
    if (tokens.some((t) => t.kind === 'option' && t.name === 'version')) return parseCommandLine(['version', ...argv.filter((a) => a !== '--version')], commands);
    throw new UsageError('no command given', { hint: "run 's3lo --help' for the list of commands" });
  }
  if (name === 'help') {
    const topic = rest[0];
    return { kind: 'help', command: topic === undefined ? undefined : findCommand(topic, commands) };
  }
  const command = findCommand(name, commands);
  if (wantsHelp) return { kind: 'help', command };

  const allowed = new Set<string>([...GLOBAL_OPTIONS, ...command.options]);
  const values: Partial<Record<OptionName, string | boolean | string[]>> = {};
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const shown = token.rawName;
    if (!allowed.has(token.name)) {
      const known = token.name in OPTIONS;
      // A misspelt long flag gets the nearest of this command's flags, as a misspelt command does.
      const close = known || shown.startsWith('--') === false ? undefined : closest(token.name, [...allowed]);
      throw new UsageError(known ? `${command.name} has no ${shown} flag` : `unknown flag ${shown}`, {
        command: command.name,
        hint: close === undefined ? `run 's3lo ${command.name} --help' for its flags` : `did you mean --${close}? run 's3lo ${command.name} --help' for its flags`,
      });
    }
    const option = token.name as OptionName;
    const spec = OPTIONS[option];
    if (spec.type === 'boolean') {
      if (token.inlineValue === true) throw new UsageError(`${shown} takes no value`, { command: command.name, hint: `write ${shown} alone` });
      values[option] = true;
      continue;
    }
    const value = token.value;
    // parseArgs (not strict) would take the next flag as the value: `--platform --force`.
    if (value === undefined || (!token.inlineValue && value.startsWith('-') && value.length > 1)) {
      throw new UsageError(`${shown} needs a value (<${spec.value ?? 'value'}>)`, {
        command: command.name,
        hint: value === undefined ? undefined : `if the value really starts with "-", write ${shown}=${value}`,
      });
    }
    if (spec.multiple) values[option] = [...((values[option] as string[] | undefined) ?? []), value];
    else values[option] = value;
  }

  const args = rest;
  const expected = command.positionals;
  if (args.length !== expected.length) {
    const missing = expected.slice(args.length).map((p) => `<${p}>`);
    const message =
      args.length < expected.length
        ? `${command.name} needs ${expected.length === 1 ? 'an argument' : `${expected.length} arguments`}: ${missing.join(' ')} ${missing.length === 1 ? 'is' : 'are'} missing`
        : `${command.name} takes ${expected.length === 0 ? 'no arguments' : `${expected.length} argument${expected.length === 1 ? '' : 's'}`}, got ${args.length}: unexpected ${JSON.stringify(args[expected.length])}`;
    throw new UsageError(message, { command: command.name });
  }
  return { kind: 'run', command, positionals: args, values, globals: readGlobalFlags(values, command.name) };
}

function readGlobalFlags(values: OptionValues, command: string): GlobalFlags {
  const output = values.output ?? 'text';
  if (typeof output !== 'string' || !(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new UsageError(`-o/--output ${JSON.stringify(output)} is not an output format`, { command, hint: `use one of ${OUTPUT_FORMATS.join(', ')}` });
  }
  return { output: output as OutputFormat, quiet: values.quiet === true, verbose: values.verbose === true };
}

function findCommand(name: string, commands: readonly CommandDefinition[]): CommandDefinition {
  const found = commands.find((c) => c.name === name || c.aliases?.includes(name));
  if (found !== undefined) return found;
  const close = closest(
    name,
    commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]),
  );
  throw new UsageError(`unknown command ${JSON.stringify(name)}`, {
    hint: close !== undefined ? `did you mean '${close}'? run 's3lo --help' for the list` : "run 's3lo --help' for the list of commands",
  });
}

/** The candidate nearest to a misspelt name, within 2 edits (ties: the first listed); none when nothing is that close. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(candidate, name);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, for "did you mean". Commands and option names are short; quadratic is fine. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
