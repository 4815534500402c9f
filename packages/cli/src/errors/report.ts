import { ErrorCode, S3loError, isAbortError, isPlannedPackage } from '@s3lo/core';
import { ExitCode } from './exit-codes.js';
import { InterruptedError, TimeoutError } from './abort-reasons.js';
import { UsageError } from './usage-error.js';
import { PACKAGES_URL } from '../plugins/planned.js';

/** How a failed run ends: the exit code and the lines for stderr. */
export interface Failure {
  readonly exitCode: ExitCode;
  readonly lines: string[];
}

/** What the reporter needs to know besides the error. */
export interface ReportContext {
  /** `--verbose`: add the stack, the cause chain, the error code and details. */
  readonly verbose: boolean;
  /** The CLI's own abort reason, when its signal fired (Ctrl-C or `--timeout`). */
  readonly abortReason?: unknown;
  /** The usage line of a command (or the general one) for usage errors. */
  readonly usage: (command: string | undefined) => string;
}

/**
 * Turns any error into `error: <what happened>`, an optional
 * `hint: <what to do>`, and for usage errors the usage line. Stack traces
 * only with `--verbose`: users need the sentence, not our call graph.
 */
export function describeFailure(error: unknown, context: ReportContext): Failure {
  const { abortReason } = context;
  // The library reports an abort however it surfaced (ours, a stream's, an
  // SDK's); which of our signals fired says whether it was the user or the clock.
  if (abortReason instanceof InterruptedError && (isAbortError(error) || error === abortReason)) {
    return { exitCode: ExitCode.INTERRUPTED, lines: ['error: interrupted; nothing was committed', ...details(error, context)] };
  }
  if (abortReason instanceof TimeoutError && (isAbortError(error) || error === abortReason)) {
    return {
      exitCode: ExitCode.FAILED,
      lines: [`error: ${abortReason.message}; nothing was committed`, 'hint: raise --timeout, or leave it out to wait as long as it takes', ...details(error, context)],
    };
  }
  if (error instanceof UsageError) {
    const lines = [`error: ${error.message}`];
    if (error.hint !== undefined) lines.push(`hint: ${error.hint}`);
    lines.push(context.usage(error.command));
    return { exitCode: ExitCode.USAGE, lines: [...lines, ...details(error, context)] };
  }
  if (S3loError.isInstance(error)) {
    const { message, hint } = S3loError.isInstance(error, ErrorCode.UNKNOWN_SCHEME) ? explainMissingPlugin(error) : error;
    const lines = [`error: ${oneLine(message)}`];
    if (hint !== undefined && hint !== '') lines.push(`hint: ${oneLine(hint)}`);
    return { exitCode: ExitCode.FAILED, lines: [...lines, ...details(error, context)] };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: ExitCode.FAILED, lines: [`error: ${oneLine(message)}`, ...details(error, context)] };
}

/**
 * The library's UNKNOWN_SCHEME hint is written for programs ("register
 * it"); on the command line the fix is to install a package the CLI can
 * find, so say where it looks. The package names come from the error's
 * `details.packages`, never from its text.
 */
function explainMissingPlugin(error: S3loError): { message: string; hint: string | undefined } {
  const packages = Array.isArray(error.details['packages']) ? error.details['packages'].filter((p): p is string => typeof p === 'string') : [];
  if (packages.length === 0) return error;
  // A first-party package that is planned, not published: say so, never "install it".
  const planned = packages.filter(isPlannedPackage);
  const scheme = error.details['scheme'];
  if (typeof scheme === 'string') {
    if (planned.length > 0) {
      return {
        message: `no storage backend for ${scheme}://: it needs a backend plugin, and ${planned.join(' or ')}, the first-party one, is planned but not published yet`,
        hint: `a plugin that serves ${scheme}:// can be named in S3LO_PLUGINS; the published packages are listed at ${PACKAGES_URL}`,
      };
    }
    const which = packages.length === 1 ? `${packages[0]} would serve it, and it is not installed` : `${packages.join(' or ')} would serve it, and neither is installed`;
    return {
      message: `no storage backend for ${scheme}://: ${which}`,
      hint: `install it (npm install -g ${packages[packages.length - 1]}, or into ./node_modules) and s3lo loads it by name; or name a plugin package in S3LO_PLUGINS`,
    };
  }
  const kind = typeof error.details['kind'] === 'string' ? error.details['kind'] : 'these';
  const pkg = packages[0] as string;
  const alternative =
    kind === 'docker-daemon'
      ? 'save the image with `docker save -o app.tar <name:tag>` and use docker-archive:app.tar'
      : kind === 'registry'
        ? 'copy the image to a layout first, e.g. `skopeo copy docker://<image> oci:./layout:<tag>`, and use oci:./layout:<tag>'
        : undefined;
  if (isPlannedPackage(pkg)) {
    return {
      message: `no transport for ${kind}: images: they need a transport plugin, and ${pkg}, the first-party one, is planned but not published yet`,
      hint: `${alternative === undefined ? '' : `${alternative}; or `}name a plugin that serves ${kind}: in S3LO_PLUGINS (published packages: ${PACKAGES_URL})`,
    };
  }
  return {
    message: `no transport for ${kind}: images: they need ${pkg}, which this s3lo does not include and which is not installed`,
    hint: `install ${pkg} and load it with S3LO_PLUGINS=${pkg}${alternative === undefined ? '' : `; or ${alternative}`}`,
  };
}

function details(error: unknown, context: ReportContext): string[] {
  if (!context.verbose) return [];
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const prefix = depth === 0 ? '' : 'caused by: ';
    if (S3loError.isInstance(current)) {
      lines.push(`${prefix}code: ${current.code}`);
      if (Object.keys(current.details).length > 0) lines.push(`details: ${safeJson(current.details)}`);
    }
    if (current instanceof Error) lines.push(depth === 0 ? (current.stack ?? current.message) : `${prefix}${current.stack ?? current.message}`);
    else lines.push(`${prefix}${String(current)}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Messages from stores may carry newlines; the first line of stderr is the error, whole. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
