import { afterEach, describe, expect, it, vi } from 'vitest';
import { PluginRegistry } from '@s3lo/core';
import type { BackendPlugin } from '@s3lo/core/storage';
import { parseDuration } from '../src/args/duration.js';
import { parseCommandLine } from '../src/args/parse.js';
import { checkStoreOptionNames, readStoreOptions } from '../src/args/store-options.js';
import { COMMANDS } from '../src/commands/index.js';
import { UsageError } from '../src/errors/usage-error.js';
import { formatBytes } from '../src/output/sizes.js';
import { table } from '../src/output/table.js';
import { toYaml } from '../src/output/yaml.js';
import { FIRST_PARTY_PLUGINS } from '../src/plugins/builtin.js';
import { renderFrame } from '../src/progress/render-bars.js';
import { TransferState } from '../src/progress/transfer-state.js';
import { MAX_TIMER_MS } from '@s3lo/core';
import { timeoutSignal } from '../src/timeout-signal.js';

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

describe('--timeout beyond what one Node timer holds', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires at the deadline, not after 1 ms (what Node does with a longer timer), through a chain of timers', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const days = (n: number) => n * 86_400_000;
    const signal = timeoutSignal(days(50));
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(days(50) - MAX_TIMER_MS - 2);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
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
    expect(
      table(
        ['A', 'LONG HEADER'],
        [
          ['xxxx', 'y'],
          ['z', ''],
        ],
      ),
    ).toBe('A     LONG HEADER\nxxxx  y\nz\n');
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

describe('--store-option', () => {
  it('types values: true/false are booleans, decimal integers numbers, the rest strings', () => {
    const line = parseCommandLine(
      ['list', 'x', '--store-option', 'a=true', '--store-option=b=false', '--store-option', 'c=42', '--store-option', 'd=-7', '--store-option', 'e=STANDARD_IA'],
      COMMANDS,
    );
    expect(line.kind === 'run' && readStoreOptions(line.values)).toEqual({ a: true, b: false, c: 42, d: -7, e: 'STANDARD_IA' });
    const strings = ['f=', 'g=1.5', 'h=x=y', 'i=TRUE', 'j=1e3', 'k=99999999999999999999', 'l= 5', 'm=0x10', 'n=Infinity'];
    expect(readStoreOptions({ 'store-option': strings })).toEqual({ f: '', g: '1.5', h: 'x=y', i: 'TRUE', j: '1e3', k: '99999999999999999999', l: ' 5', m: '0x10', n: 'Infinity' });
    expect(readStoreOptions({ 'store-option': ['o=007'] })).toEqual({ o: 7 });
    expect(readStoreOptions({})).toEqual({});
  });

  it('refuses malformed flags, repeated names, and endpoint/region next to their own flags', () => {
    for (const bad of [['nameonly'], ['=value'], [' =value'], ['a=1', 'a=2'], ['signal=1']]) {
      expect(() => readStoreOptions({ 'store-option': bad }), bad.join(' ')).toThrow(UsageError);
    }
    expect(() => readStoreOptions({ endpoint: 'http://a:1', 'store-option': ['endpoint=http://b:1'] })).toThrow(/both set the endpoint/);
    expect(readStoreOptions({ endpoint: 'http://a:1', 'store-option': ['region=eu-west-1'] })).toEqual({ region: 'eu-west-1' });
  });

  it("checks names against the plugins' optionNames; a plugin without them accepts anything", () => {
    const plugin = (schemes: string[], optionNames?: string[]): BackendPlugin => ({
      kind: 'backend',
      contractVersion: 1,
      name: `test-${schemes[0]}`,
      schemes,
      ...(optionNames === undefined ? {} : { optionNames }),
      create: () => {
        throw new Error('not opened in these tests');
      },
    });
    const registry = new PluginRegistry();
    registry.registerBackend(plugin(['aa'], ['partSize', 'storageClass']));
    registry.registerBackend(plugin(['bb'], []));
    registry.registerBackend(plugin(['cc']));
    const check = (names: string[], schemes: string[]) => () => checkStoreOptionNames(names, schemes, registry);
    expect(check(['partSize'], ['aa'])).not.toThrow();
    expect(check(['partsize'], ['aa'])).toThrow('the aa backend has no option "partsize"');
    expect(check(['x'], ['bb'])).toThrow('the bb backend has no option "x"');
    expect(check(['partSize'], ['aa', 'bb']), 'one backend of a copy knows it').not.toThrow();
    expect(check(['x'], ['aa', 'bb'])).toThrow('neither the aa nor the bb backend has an option "x"');
    expect(check(['x'], ['cc']), 'no optionNames: cannot tell').not.toThrow();
    expect(check(['x'], ['aa', 'cc'])).not.toThrow();
    expect(check(['x'], ['unserved'])).not.toThrow();
    expect(check([], ['bb'])).not.toThrow();
    const hint = (action: () => void): string | undefined => {
      try {
        action();
      } catch (error) {
        if (error instanceof UsageError) return error.hint;
      }
      throw new Error('no UsageError');
    };
    expect(hint(check(['storageclas'], ['aa']))).toBe('did you mean storageClass? its options: partSize, storageClass');
    expect(hint(check(['x'], ['bb']))).toBe('its options: none');
    expect(hint(check(['x'], ['aa', 'bb']))).toBe("the aa backend's options: partSize, storageClass; the bb backend's options: none");
  });

  it('is a flag of exactly the commands that take --endpoint', () => {
    for (const command of COMMANDS) expect(command.options.includes('store-option'), command.name).toBe(command.options.includes('endpoint'));
    expect(COMMANDS.filter((command) => command.options.includes('store-option')).map((command) => command.name)).toEqual([
      'push',
      'pull',
      'copy',
      'list',
      'inspect',
      'delete',
      'clean',
      'stats',
      'verify',
    ]);
  });
});

describe('progress frames', () => {
  it('fit the width, and the numbers add up', () => {
    const state = new TransferState(0);
    state.start({ blobs: 3, totalBytes: 3000, platforms: [] });
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
