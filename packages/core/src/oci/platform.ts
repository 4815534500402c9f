import { arch as nodeArch, config as nodeConfig } from 'node:process';
import { ErrorCode } from '../errors/error-codes.js';
import { S3loError } from '../errors/s3lo-error.js';
import type { Platform } from './types.js';

// What people type from `uname -m` or Debian's names, mapped to the Go names
// indexes use. Used for hints only: a platform is taken literally or refused,
// never silently rewritten.
// A Map, not an object literal: lookups with user text must not find
// `constructor` and friends.
const archAliases: ReadonlyMap<string, string> = new Map([
  ['x86_64', 'amd64'],
  ['x86-64', 'amd64'],
  ['x64', 'amd64'],
  ['aarch64', 'arm64'],
  ['armhf', 'arm/v7'],
  ['armel', 'arm/v6'],
  ['i386', '386'],
  ['i686', '386'],
]);

const partPattern = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Parses `os/arch[/variant]` as users type it (`linux/amd64`,
 * `linux/arm64/v8`). Platform names are lowercase Go names, matched exactly,
 * so input is taken literally: uppercase and names like `x86_64` are refused
 * with a hint naming the right spelling, not rewritten.
 *
 * @throws S3loError INVALID_PLATFORM when a part is empty, there are fewer
 *   than two or more than three parts, or a part has characters other than
 *   lowercase letters, digits, `.`, `_` and `-`.
 *
 * @example
 * ```ts
 * parsePlatform('linux/arm64/v8'); // { os: 'linux', architecture: 'arm64', variant: 'v8' }
 * parsePlatform('linux/x86_64');   // throws INVALID_PLATFORM, hint: did you mean linux/amd64?
 * ```
 */
export function parsePlatform(text: string): Platform {
  if (typeof text !== 'string') {
    throw new S3loError(ErrorCode.INVALID_PLATFORM, `a platform must be a string like linux/amd64, got ${typeof text}`);
  }
  const parts = text.split('/');
  const [os = '', architecture = '', variant] = parts;
  const problem = platformProblem(text, parts);
  if (problem !== undefined) {
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    throw new S3loError(ErrorCode.INVALID_PLATFORM, `invalid platform ${JSON.stringify(shown)}: ${problem} (expected os/arch[/variant], like linux/amd64)`, {
      details: { platform: shown },
      hint: suggestion(parts),
    });
  }
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

function platformProblem(text: string, parts: readonly string[]): string | undefined {
  if (text.trim() === '') return 'it is empty';
  if (/\s/.test(text)) return 'it contains whitespace';
  if (parts.length < 2) return 'the architecture is missing';
  if (parts.length > 3) return `it has ${parts.length} parts, at most 3 are allowed`;
  const names = ['os', 'architecture', 'variant'];
  for (const [i, part] of parts.entries()) {
    if (part === '') return `the ${names[i]} is empty`;
    if (part !== part.toLowerCase()) return `the ${names[i]} must be lowercase`;
    if (!partPattern.test(part)) return `the ${names[i]} ${JSON.stringify(part)} may only have a-z, 0-9, ".", "_" and "-"`;
  }
  return undefined;
}

function suggestion(parts: readonly string[]): string | undefined {
  const fixed = parts.map((part) => part.trim().toLowerCase());
  const alias = archAliases.get(fixed[1] ?? '');
  if (alias !== undefined) {
    // `armhf` names a variant too, so it replaces any variant given with it.
    fixed.splice(1, alias.includes('/') ? 2 : 1, ...alias.split('/'));
  }
  const text = fixed.join('/');
  return platformProblem(text, fixed) === undefined ? `did you mean ${text}?` : undefined;
}

/**
 * `os/arch[/variant]`, the form {@link parsePlatform} reads. `os.version` and
 * `os.features` are not part of it.
 *
 * @example
 * ```ts
 * formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }); // 'linux/arm/v7'
 * ```
 */
export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

// Node's process.arch names mapped to Go's GOARCH names, which indexes use.
// arm64 gets no variant: a request without one matches arm64 entries with or
// without `v8`. Node supports 64-bit POWER only little-endian on Linux.
const goArchOf: ReadonlyMap<string, string> = new Map([
  ['x64', 'amd64'],
  ['arm64', 'arm64'],
  ['ia32', '386'],
  ['ppc64', 'ppc64le'],
  ['ppc', 'ppc'],
  ['s390x', 's390x'],
  ['s390', 's390'],
  ['riscv64', 'riscv64'],
  ['loong64', 'loong64'],
  ['mips', 'mips'],
  ['mipsel', 'mipsle'],
  ['mips64el', 'mips64le'],
]);

/**
 * The platform to pull when none is asked for: `linux/<arch>` for the CPU
 * Node runs on. macOS and Windows hosts get linux too, since they run Linux
 * containers (in a VM). 32-bit ARM gets the variant Node was built for
 * (`v7` when unknown). `arch` is for tests and defaults to `process.arch`.
 *
 * @example
 * ```ts
 * hostPlatform();        // { os: 'linux', architecture: 'amd64' } on an x64 machine
 * hostPlatform('arm');   // { os: 'linux', architecture: 'arm', variant: 'v7' }
 * ```
 */
export function hostPlatform(arch: string = nodeArch): Platform {
  if (arch === 'arm') {
    const version = (nodeConfig.variables as { arm_version?: unknown }).arm_version;
    const variant = version === '6' || version === '7' ? `v${version}` : 'v7';
    return { os: 'linux', architecture: 'arm', variant };
  }
  return { os: 'linux', architecture: goArchOf.get(arch) ?? arch };
}

/**
 * True when `candidate` (an index entry's platform) satisfies `requested`:
 * same os and architecture, and, only when a variant was requested, the same
 * variant. For arm64 a missing variant counts as `v8` (the baseline every
 * arm64 CPU runs, which many indexes leave out), so a request for
 * `linux/arm64/v8` matches an entry that says just `linux/arm64`; a request
 * for `linux/arm64` matches every arm64 entry. No other variant is implied:
 * 32-bit ARM entries without a variant match only requests without one.
 *
 * @example
 * ```ts
 * platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }); // true
 * platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm', variant: 'v6' }); // false
 * ```
 */
export function platformMatches(requested: Platform, candidate: Platform): boolean {
  if (requested.os !== candidate.os || requested.architecture !== candidate.architecture) return false;
  if (!requested.variant) return true;
  return effectiveVariant(requested) === effectiveVariant(candidate);
}

function effectiveVariant(platform: Platform): string {
  const variant = platform.variant ?? '';
  return platform.architecture === 'arm64' && variant === '' ? 'v8' : variant;
}
