import { commandHelp, generalHelp, usageLine } from './args/help.js';
import { parseCommandLine } from './args/parse.js';
import { readStoreOptions, type StoreOptionValue } from './args/store-options.js';
import { readBackendOptions, readDuration } from './args/flag-values.js';
import { COMMANDS } from './commands/index.js';
import { localBucketWarning } from './warnings/local-bucket.js';
import type { CliIo, CommandBehaviour, CommandDefinition, RunContext } from './commands/command.js';
import { ExitCode } from './errors/exit-codes.js';
import { TimeoutError } from './errors/abort-reasons.js';
import { UsageError } from './errors/usage-error.js';
import { formatDuration } from './args/duration.js';
import { shortDigest } from './output/digests.js';
import { renderDocument } from './output/render.js';
import { formatBytes } from './output/sizes.js';
import type { PluginHost } from './plugins/plugin-host.js';
import { silentProgress, type ProgressReporter, type ProgressWords } from './progress/progress-reporter.js';
import { LineProgress, TerminalProgress } from './progress/terminal-progress.js';

// Start-up: this module and what it imports statically are all that
// `--help`, `--version` and a usage error load. The library (@s3lo/core),
// the plugins (and their SDKs), YAML and the error reporter are imported
// where they are needed, so a command pays only for what it uses
// (bench/startup.mjs measures it; test/startup.test.ts checks what loads).

export type { CliIo } from './commands/command.js';

/** Options of {@link run}. */
export interface RunOptions {
  readonly io: CliIo;
  /**
   * The user's stop request (Ctrl-C, SIGTERM): its abort reason should be an
   * `InterruptedError`, which makes a cancelled run exit 130.
   */
  readonly interrupt?: AbortSignal;
}

/**
 * Runs one `s3lo` command line and returns its exit code. Never throws and
 * never exits the process: `main.ts` owns the process (signals, exit).
 *
 * Order of events: parse and validate everything (usage errors exit 2
 * with nothing done), load plugins, run, then print the result: text for
 * people, or one JSON/YAML document, on stdout. Errors go to stderr.
 */
export async function run(argv: readonly string[], options: RunOptions): Promise<number> {
  const { io } = options;
  const interrupt = options.interrupt ?? new AbortController().signal;
  // Before flags are parsed, --verbose is read loosely so even a usage error can show its detail.
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  let command: CommandDefinition | undefined;
  const fail = async (error: unknown, abortReason?: unknown): Promise<number> => {
    const { describeFailure } = await import('./errors/report.js');
    const failure = describeFailure(error instanceof UsageError && command !== undefined ? error.forCommand(command.name) : error, {
      verbose,
      abortReason,
      usage: (name) => usageLine(COMMANDS.find((c) => c.name === name)),
    });
    await write(io.stderr, failure.lines.map((line) => `${line}\n`).join(''));
    return failure.exitCode;
  };

  let commandLine;
  try {
    commandLine = parseCommandLine(argv, COMMANDS);
  } catch (error) {
    return fail(error);
  }
  if (commandLine.kind === 'help') {
    await write(io.stdout, commandLine.command === undefined ? generalHelp(COMMANDS) : commandHelp(commandLine.command));
    return ExitCode.OK;
  }
  command = commandLine.command;
  const { globals, positionals, values } = commandLine;
  verbose = globals.verbose;

  let behaviour: CommandBehaviour;
  let plan: unknown;
  let timeoutMs: number | undefined;
  let backendOptions;
  let storeOptions: Record<string, StoreOptionValue>;
  try {
    behaviour = await command.load();
    plan = behaviour.prepare({ positionals, values });
    timeoutMs = readDuration(values, 'timeout');
    if (timeoutMs === 0) throw new UsageError('--timeout must be longer than 0', { hint: 'leave it out to wait as long as it takes' });
    storeOptions = readStoreOptions(values);
    backendOptions = { ...readBackendOptions(values), ...storeOptions };
  } catch (error) {
    return fail(error);
  }

  const timeout = timeoutMs === undefined ? undefined : (await import('./timeout-signal.js')).timeoutSignal(timeoutMs);
  const signal = timeout === undefined ? interrupt : AbortSignal.any([interrupt, timeout]);
  // The plugin host (and with it the library) loads when the command uses
  // plugins, or asks for them (`version -v`).
  let host: PluginHost | undefined;
  const loadHost = async (): Promise<PluginHost> => (host ??= new (await import('./plugins/plugin-host.js')).PluginHost(io.cwd, io.env));
  const note = (line: string): void => {
    if (!globals.quiet) io.stderr.write(`${line}\n`);
  };
  const reporters: ProgressReporter[] = [];
  // On Ctrl-C the bars go at once, so the terminal is left clean while the
  // transfer winds down (removing partial uploads, releasing its lease).
  signal.addEventListener(
    'abort',
    () => {
      reporters.forEach((r) => r.finish());
      if (interrupt.aborted) note('cancelling: removing partial uploads, writing no tag (press Ctrl-C again to quit at once)');
    },
    { once: true },
  );
  const context: RunContext = {
    io,
    signal,
    get registry() {
      if (host === undefined) throw new Error(`${command?.name} uses the plugin registry but declares usesPlugins: false`);
      return host.registry;
    },
    backendOptions,
    output: globals.output,
    quiet: globals.quiet,
    verbose: globals.verbose,
    note,
    plugins: async () => (await loadHost()).all(),
    progress: (words) => {
      const reporter = progressFor(io, globals, words);
      reporters.push(reporter);
      return reporter;
    },
  };

  try {
    if (command.usesPlugins !== false) {
      const host = await loadHost();
      await host.loadConfigured();
      if (behaviour.needs !== undefined) {
        const needs = behaviour.needs(plan);
        await host.prepare(needs);
        const { checkStoreFlags, checkStoreOptionNames, checkStoreOptionValues } = await import('./args/store-options.js');
        // Still before any store is used: an unknown option, or a value its
        // backend refuses, is a usage error (exit 2).
        checkStoreOptionNames(Object.keys(storeOptions), needs.schemes, host.registry);
        await checkStoreFlags(values, needs.schemes, host.registry, () => host.all());
        if (Object.keys(storeOptions).length > 0) await checkStoreOptionValues(needs.buckets, host.registry, backendOptions);
        for (const { scheme, bucket, path, reference } of needs.buckets) {
          const warning = scheme === 'local' ? await localBucketWarning(reference, bucket, path, io.cwd) : undefined;
          if (warning !== undefined) note(warning);
        }
      }
    }
    const result = await behaviour.run(plan, context);
    const text = globals.output === 'text' ? behaviour.text(result, context) : await renderDocument(result, globals.output);
    await write(io.stdout, text);
    return behaviour.exitCode?.(result) ?? ExitCode.OK;
  } catch (error) {
    reporters.forEach((r) => r.finish());
    const reason = interrupt.aborted ? interrupt.reason : timeout?.aborted ? new TimeoutError(formatDuration(timeoutMs ?? 0)) : undefined;
    return fail(error, reason);
  }
}

/** Bars on a terminal; a line per blob off one with --verbose; else nothing (also for -o json|yaml and --quiet). */
function progressFor(io: CliIo, globals: { output: string; quiet: boolean; verbose: boolean }, words?: ProgressWords): ProgressReporter {
  if (globals.quiet || globals.output !== 'text') return silentProgress;
  if (io.stderr.isTTY === true && io.env['TERM'] !== 'dumb') return new TerminalProgress(io.stderr);
  if (globals.verbose) return new LineProgress((line) => io.stderr.write(`${line}\n`), formatBytes, shortDigest, words);
  return silentProgress;
}

/** Resolves once the text is handed to the OS, so exiting right after loses nothing (pipes are asynchronous on some systems). */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve) => {
    stream.write(text, () => resolve());
  });
}
