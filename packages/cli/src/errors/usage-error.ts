/**
 * A mistake on the command line, found before any work starts. It exits
 * with code 2 and is the only error that prints the command's usage line:
 * for every other failure the usage would be noise.
 */
export class UsageError extends Error {
  /** One line telling the user what to write instead, when there is one. */
  readonly hint: string | undefined;
  /** The command whose usage line to print; the general usage when absent. */
  readonly command: string | undefined;

  constructor(message: string, options: { hint?: string | undefined; command?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
    this.hint = options.hint;
    this.command = options.command;
  }

  /** The same error, tied to the command whose usage should be printed. */
  forCommand(command: string): UsageError {
    if (this.command !== undefined) return this;
    const copy = new UsageError(this.message, { hint: this.hint, command, cause: this.cause });
    copy.stack = this.stack;
    return copy;
  }
}
