#!/usr/bin/env node
// The `s3lo` executable: wires the process (argv, streams, signals, exit
// code) to `run`, which does everything else.
import { run } from './cli.js';
import { ExitCode } from './errors/exit-codes.js';
import { InterruptedError } from './errors/abort-reasons.js';

const interrupt = new AbortController();

// First Ctrl-C (or SIGTERM): abort through the signal, so uploads stop,
// temporary files go, the push lease is released and no tag is written;
// `run` then returns 130. Second one: the user wants out now.
const onSignal = (name: NodeJS.Signals): void => {
  if (interrupt.signal.aborted) {
    process.stderr.write('\nquitting without cleaning up\n');
    process.exit(ExitCode.INTERRUPTED);
  }
  interrupt.abort(new InterruptedError(name));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// `s3lo list ... | head -1`: a closed pipe is the reader's choice, not our failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(ExitCode.OK);
  throw error;
});

run(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
  interrupt: interrupt.signal,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // `run` reports its own errors; reaching here is a bug in the CLI.
    process.stderr.write(`error: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(ExitCode.FAILED);
  },
);
