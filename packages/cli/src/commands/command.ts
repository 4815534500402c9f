import type { PluginRegistry } from '@s3lo/core';
import type { BackendOptions } from '@s3lo/core/storage';
import type { OptionName, OutputFormat } from '../args/options.js';
import type { ExitCode } from '../errors/exit-codes.js';
import type { PluginInfo } from '../plugins/plugin-host.js';
import type { ProgressReporter, ProgressWords } from '../progress/progress-reporter.js';

/** The command line of one command, split but not yet validated. */
export interface CommandInput {
  readonly positionals: readonly string[];
  readonly values: OptionValues;
}

/** Flag values as given: strings, booleans, or string lists for repeatable flags. */
export type OptionValues = Readonly<Partial<Record<OptionName, string | boolean | string[]>>>;

/** The streams and process facts a command may use. Tests run the CLI in a subprocess; this keeps `run` honest about what it touches. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** What a command's `run` gets. */
export interface RunContext {
  readonly io: CliIo;
  /** Fires on Ctrl-C, SIGTERM or `--timeout`; every library call gets it. */
  readonly signal: AbortSignal;
  readonly registry: PluginRegistry;
  readonly backendOptions: BackendOptions;
  readonly output: OutputFormat;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** A progress display for a transfer or a verify: live bars on a terminal, nothing otherwise (`words` for the line per blob of `--verbose`). */
  progress(words?: ProgressWords): ProgressReporter;
  /** Notes for people on stderr (dropped with `--quiet`). */
  note(line: string): void;
  /** The plugins this run knows (built in, S3LO_PLUGINS, found by convention). */
  plugins(): Promise<PluginInfo[]>;
}

/** The plugins a prepared command needs before it runs. */
export interface PluginNeeds {
  /** Bucket schemes (`local`, `s3`, `memfs`). */
  readonly schemes: readonly string[];
  /** Location kinds served by transports (`oci-archive`, `docker-daemon`). */
  readonly transports: readonly string[];
  /**
   * The buckets the command opens (their store options are checked before
   * it runs), each with the image name or list prefix the command gave.
   */
  readonly buckets: readonly { readonly scheme: string; readonly bucket: string; readonly path: string; readonly reference: string }[];
}

/**
 * One `s3lo` command as help, parsing and completion know it: names, flags,
 * text. What it does is in a module of its own, loaded by `load` only when
 * the command runs, so `s3lo --help`, `--version` and a usage error load
 * no part of the library, no backend and no SDK (see bench/startup.mjs).
 */
export interface CommandDefinition {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** One line for the command list. */
  readonly summary: string;
  /** Positional part of the usage line: `<source> <destination>`. */
  readonly arguments: string;
  /** Paragraphs of `s3lo <command> --help`. */
  readonly description: string;
  readonly examples: readonly string[];
  /** Names of the required positionals, in order. */
  readonly positionals: readonly string[];
  /** Flags beyond the global ones. */
  readonly options: readonly OptionName[];
  /** Command-specific wording of a flag's help. */
  readonly optionHelp?: Partial<Record<OptionName, string>>;
  /** False for commands that load no plugin before they run (completion, version). */
  readonly usesPlugins?: boolean;
  /** The command's behaviour (a dynamic import: its module, and what that imports, load now). */
  load(): Promise<CommandBehaviour>;
}

/**
 * What a command does. `prepare` validates the whole command line without
 * I/O, so a wrong flag, value or reference fails with exit 2 before any
 * store is touched; `run` does the work and returns the library's result,
 * which `-o json|yaml` prints as is and `text` renders for people.
 */
export interface CommandBehaviour<Plan = unknown, Result = unknown> {
  prepare(input: CommandInput): Plan;
  needs?(plan: Plan): PluginNeeds;
  run(plan: Plan, context: RunContext): Promise<Result>;
  /** The result for people (stdout), ending with a newline, or '' for nothing. */
  text(result: Result, context: RunContext): string;
  /**
   * The exit code of a run that completed, after its result is printed:
   * 0 unless the command says otherwise (`verify`: 1 when it found
   * something broken).
   */
  exitCode?(result: Result): ExitCode;
}

/** Erases a behaviour's types so behaviours of different plans fit one table. */
export function defineBehaviour<Plan, Result>(behaviour: CommandBehaviour<Plan, Result>): CommandBehaviour<unknown, unknown> {
  return behaviour as unknown as CommandBehaviour<unknown, unknown>;
}
