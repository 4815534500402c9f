import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/args/duration.js';
import { parseCommandLine } from '../src/args/parse.js';
import { COMMANDS } from '../src/commands/index.js';
import { UsageError } from '../src/errors/usage-error.js';
import { formatBytes } from '../src/output/sizes.js';
import { table } from '../src/output/table.js';
import { toYaml } from '../src/output/yaml.js';
import { FIRST_PARTY_PLUGINS } from '../src/plugins/builtin.js';
import { isImmutable, parseBucketConfig } from '../src/policy/bucket-config.js';
import { matchGoPath } from '../src/policy/glob.js';
import { renderFrame } from '../src/progress/render-bars.js';
import { TransferState } from '../src/progress/transfer-state.js';

// Small pure pieces, in-process. Everything user-facing is also tested
// through the built CLI in the other files.

describe('durations', () => {
  it('reads Go-style durations', () => {
    expect(parseDuration('30m', '--grace')).toBe(1_800_000);
    expect(parseDuration('1h', '--grace')).toBe(3_600_000);
    expect(parseDuration('1h30m', '--grace')).toBe(5_400_000);
    expect(parseDuration('1.5s', '--grace')).toBe(1500);
    expect(parseDuration('250ms', '--grace')).toBe(250);
    expect(parseDuration('2d', '--grace')).toBe(172_800_000);
    expect(parseDuration('0s', '--grace')).toBe(0);
    expect(parseDuration('0', '--grace')).toBe(0);
  });
  it('refuses the rest', () => {
    for (const bad of ['', '10', '-1s', '1 h', '1y', 'h', '1h-5m', '.5s']) expect(() => parseDuration(bad, '--grace'), bad).toThrow(UsageError);
  });
});

describe('output helpers', () => {
  it('sizes in binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1048575)).toBe('1.0 MiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });
  it('tables align columns and leave no trailing blanks', () => {
    expect(table(['A', 'LONG HEADER'], [['xxxx', 'y'], ['z', '']])).toBe('A     LONG HEADER\nxxxx  y\nz\n');
  });
  it('YAML quotes strings that would read back as something else', () => {
    expect(toYaml({ tag: '1.0', flag: 'yes', nothing: 'null', date: '2024-01-01', count: 3, list: [], digest: 'sha256:ab' })).toBe(
      'tag: "1.0"\nflag: "yes"\nnothing: "null"\ndate: "2024-01-01"\ncount: 3\nlist: []\ndigest: sha256:ab\n',
    );
    expect(toYaml([])).toBe('[]\n');
  });
});

describe('the command line', () => {
  it('takes flags before and after the command, and -- before positionals', () => {
    const line = parseCommandLine(['-o', 'json', 'push', 'a', '--platform=linux/amd64', 'b', '-q'], COMMANDS);
    expect(line).toMatchObject({ kind: 'run', positionals: ['a', 'b'], globals: { output: 'json', quiet: true, verbose: false } });
    expect(parseCommandLine(['inspect', '--', '-weird'], COMMANDS)).toMatchObject({ positionals: ['-weird'] });
    expect(parseCommandLine(['ls', 'x'], COMMANDS)).toMatchObject({ command: { name: 'list' } });
    expect(parseCommandLine(['push', '--help'], COMMANDS)).toMatchObject({ kind: 'help', command: { name: 'push' } });
  });
});

describe('s3lo.yaml immutability, as the Go s3lo reads it', () => {
  it("Go's path.Match: * and ? stop at /, classes, escapes", () => {
    expect(matchGoPath('team/*', 'team/app')).toBe(true);
    expect(matchGoPath('team/*', 'team/a/b')).toBe(false);
    expect(matchGoPath('app?', 'app1')).toBe(true);
    expect(matchGoPath('app[0-9]', 'app7')).toBe(true);
    expect(matchGoPath('app[^0-9]', 'app7')).toBe(false);
    expect(matchGoPath('a\\*b', 'a*b')).toBe(true);
    expect(matchGoPath('a.b', 'axb')).toBe(false);
    expect(matchGoPath('[unclosed', '[unclosed')).toBe(false);
  });
  it('exact names win over patterns, longer patterns over shorter; default otherwise', () => {
    const config = parseBucketConfig(
      'default:\n  immutable: true\nimages:\n  "*":\n    immutable: false\n  team/*:\n    immutable: true\n  team/scratch:\n    immutable: false\n',
      'test',
    );
    expect(isImmutable(config, 'team/app')).toBe(true);
    expect(isImmutable(config, 'team/scratch')).toBe(false);
    expect(isImmutable(config, 'solo')).toBe(false);
    expect(isImmutable(config, 'deep/er/name')).toBe(true);
    expect(isImmutable(parseBucketConfig('', 'test'), 'x')).toBe(false);
    expect(() => parseBucketConfig('default:\n  immutable: "yes"\n', 'test')).toThrow(/"default.immutable" is not true or false/);
  });
});

describe('progress frames', () => {
  it('fit the width, and the numbers add up', () => {
    const state = new TransferState(0);
    state.start({ digest: 'sha256:00', blobs: 3, totalBytes: 3000, platforms: [] });
    state.blob(`sha256:${'a'.repeat(64)}`, 1000, true, 100);
    state.progress({ digest: `sha256:${'b'.repeat(64)}`, bytes: 500, size: 1000 }, 500);
    state.progress({ digest: `sha256:${'b'.repeat(64)}`, bytes: 1000, size: 1000 }, 1500);
    expect(state.currentBytes).toBe(2000);
    // Moved since the first sample (the skipped blob at 100 ms moved nothing): 1000 B in 1.4 s.
    expect(state.speed(1500)).toBeCloseTo(1000 / 1.4, 0);
    expect(state.eta(1500)).toBeCloseTo(1.4, 1);
    for (const width of [20, 40, 60, 80, 120, 200]) {
      const lines = renderFrame(state, width, 1500);
      expect(lines.at(-1)).toMatch(/^ {2}total /);
      for (const line of lines) expect(line.length).toBeLessThan(width);
    }
    expect(renderFrame(state, 120, 1500).at(-1)).toMatch(/\[=+> +\] +66% +2.0 KiB\/2.9 KiB {2}714 B\/s {2}ETA 2s {2}1\/3 blobs$/);
  });
});

describe('first-party plugins', () => {
  it('declare exactly the schemes and locations their plugins serve', async () => {
    for (const entry of FIRST_PARTY_PLUGINS) {
      const plugin = (await entry.load()).default as { name: string; kind: string; schemes?: string[]; locations?: string[] };
      expect(plugin.name).toBe(entry.name);
      expect(plugin.kind).toBe(entry.kind);
      expect([...(plugin.schemes ?? plugin.locations ?? [])].sort()).toEqual([...entry.serves].sort());
    }
  });
});
