import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { formatPlatform, hostPlatform, parsePlatform, platformMatches, type Platform } from '../../src/oci/index.js';
import { thrown } from '../support/thrown.js';

describe('parsePlatform', () => {
  it('reads os/arch and os/arch/variant', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/ppc64le')).toEqual({ os: 'linux', architecture: 'ppc64le' });
    expect(parsePlatform('windows/amd64')).toEqual({ os: 'windows', architecture: 'amd64' });
    expect(parsePlatform('linux/386')).toEqual({ os: 'linux', architecture: '386' });
  });

  it('round-trips through formatPlatform', () => {
    for (const text of ['linux/amd64', 'linux/arm/v7', 'linux/arm64/v8', 'linux/s390x', 'unknown/unknown']) {
      expect(formatPlatform(parsePlatform(text))).toBe(text);
    }
  });

  const malformed: [string, string, string | undefined][] = [
    ['', 'it is empty', undefined],
    ['linux', 'the architecture is missing', undefined],
    ['linux/', 'the architecture is empty', undefined],
    ['/amd64', 'the os is empty', undefined],
    ['linux/arm/', 'the variant is empty', undefined],
    ['linux//amd64', 'the architecture is empty', undefined],
    ['linux/arm/v7/extra', 'it has 4 parts, at most 3 are allowed', undefined],
    ['linux/ amd64', 'it contains whitespace', 'did you mean linux/amd64?'],
    [' linux/amd64', 'it contains whitespace', 'did you mean linux/amd64?'],
    ['Linux/AMD64', 'the os must be lowercase', 'did you mean linux/amd64?'],
    ['linux/arm64/V8', 'the variant must be lowercase', 'did you mean linux/arm64/v8?'],
    ['linux/amd64;rm', 'the architecture "amd64;rm" may only have a-z, 0-9, ".", "_" and "-"', undefined],
  ];

  for (const [text, problem, hint] of malformed) {
    it(`refuses ${JSON.stringify(text)}: ${problem}`, () => {
      const error = thrown(() => parsePlatform(text));
      expect(error.code).toBe(ErrorCode.INVALID_PLATFORM);
      expect(error.message).toBe(`invalid platform ${JSON.stringify(text)}: ${problem} (expected os/arch[/variant], like linux/amd64)`);
      expect(error.hint).toBe(hint);
    });
  }

  it('takes names literally, with a hint for Go spellings, not a rewrite', () => {
    // x86_64 is a well-formed name, so it parses; it would just match nothing.
    // The hint is offered when it is refused for another reason.
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'x86_64' });
    expect(thrown(() => parsePlatform('Linux/x86_64')).hint).toBe('did you mean linux/amd64?');
    expect(thrown(() => parsePlatform('Linux/aarch64')).hint).toBe('did you mean linux/arm64?');
    expect(thrown(() => parsePlatform('Linux/armhf/v6')).hint).toBe('did you mean linux/arm/v7?');
    expect(thrown(() => parsePlatform('Linux/constructor ')).hint).toBe('did you mean linux/constructor?');
  });

  it('refuses non-strings', () => {
    expect(thrown(() => parsePlatform(undefined as unknown as string)).code).toBe(ErrorCode.INVALID_PLATFORM);
  });
});

describe('hostPlatform', () => {
  it('maps Node architectures to Go names, always on linux', () => {
    const cases: [string, Platform][] = [
      ['x64', { os: 'linux', architecture: 'amd64' }],
      ['arm64', { os: 'linux', architecture: 'arm64' }],
      ['arm', { os: 'linux', architecture: 'arm', variant: 'v7' }],
      ['ia32', { os: 'linux', architecture: '386' }],
      ['ppc64', { os: 'linux', architecture: 'ppc64le' }],
      ['s390x', { os: 'linux', architecture: 's390x' }],
      ['riscv64', { os: 'linux', architecture: 'riscv64' }],
      ['loong64', { os: 'linux', architecture: 'loong64' }],
      ['mipsel', { os: 'linux', architecture: 'mipsle' }],
    ];
    for (const [arch, platform] of cases) expect(hostPlatform(arch), arch).toEqual(platform);
  });

  it('defaults to the running process, as linux even on macOS and Windows', () => {
    const host = hostPlatform();
    expect(host.os).toBe('linux');
    expect(host).toEqual(hostPlatform(process.arch));
  });
});

describe('platformMatches', () => {
  const amd64: Platform = { os: 'linux', architecture: 'amd64' };
  const arm64: Platform = { os: 'linux', architecture: 'arm64' };
  const arm64v8: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
  const armv6: Platform = { os: 'linux', architecture: 'arm', variant: 'v6' };
  const armv7: Platform = { os: 'linux', architecture: 'arm', variant: 'v7' };
  const arm: Platform = { os: 'linux', architecture: 'arm' };

  it('needs os and architecture equal', () => {
    expect(platformMatches(amd64, amd64)).toBe(true);
    expect(platformMatches(amd64, arm64)).toBe(false);
    expect(platformMatches(amd64, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1879' })).toBe(false);
  });

  it('compares the variant only when one is requested', () => {
    expect(platformMatches(arm, armv6)).toBe(true);
    expect(platformMatches(arm, armv7)).toBe(true);
    expect(platformMatches(armv7, armv7)).toBe(true);
    expect(platformMatches(armv7, armv6)).toBe(false);
    expect(platformMatches(armv7, arm)).toBe(false);
  });

  it('treats arm64 without a variant as arm64/v8, both ways', () => {
    expect(platformMatches(arm64, arm64v8)).toBe(true);
    expect(platformMatches(arm64v8, arm64)).toBe(true);
    expect(platformMatches(arm64v8, arm64v8)).toBe(true);
    expect(platformMatches({ ...arm64, variant: 'v9' }, arm64)).toBe(false);
  });
});
