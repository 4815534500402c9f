import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, tempDir } from './helpers/cli.js';
import { makeImage } from './helpers/images.js';

// The progress display in a real terminal: tmux runs a push of a ~400 MiB
// image in a 100x30 pane, and the test reads the screen while it runs.
const exec = promisify(execFile);
const socket = `s3lo-cli-test-${process.pid}`;
const tmux = (...args: string[]) => exec('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
let work: string;

beforeAll(async () => {
  work = await tempDir('s3lo-tmux-');
  await makeImage(join(work, 'big'), { layers: [{ size: 1 << 20 }, { size: 200 << 20 }, { size: 200 << 20 }] });
});

afterAll(async () => {
  // Our own tmux server (its own socket), started by this file.
  await tmux('kill-server').catch(() => undefined);
});

const BAR_LINE = /^ {2}(sha256:[0-9a-f]{12}|total {14}) \[[=> ]+\] +\d+% +[\d.]+ (B|KiB|MiB|GiB)\/[\d.]+ (B|KiB|MiB|GiB)/;

async function runInPane(name: string, width: number, command: string): Promise<{ frames: string[]; final: string }> {
  await tmux('new-session', '-d', '-s', name, '-x', String(width), '-y', '30', `cd '${work}' && ${command}; echo "EXIT=$?"; sleep 60`);
  const frames: string[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    // -J joins lines the terminal wrapped, so a too-long line shows as one (and fails the width check).
    const { stdout } = await tmux('capture-pane', '-p', '-J', '-t', name);
    if (/^EXIT=\d+$/m.test(stdout)) return { frames, final: stdout };
    if (stdout.includes('[')) frames.push(stdout);
    if (Date.now() > deadline) throw new Error(`no end in sight:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('progress bars on a terminal', () => {
  it('draws per-blob and total bars with percent, speed and ETA, within the width; clears them and prints the summary', async () => {
    const { frames, final } = await runInPane('push', 100, `'${process.execPath}' '${CLI}' push oci:./big:v1 local://./store/app:v1 --concurrency 2`);
    expect(frames.length, final).toBeGreaterThan(0);
    const lines = frames.flatMap((f) => f.split('\n')).filter((l) => l.trim() !== '');
    const bars = lines.filter((l) => BAR_LINE.test(l));
    expect(bars.length).toBeGreaterThan(0);
    // Every line of a frame is a whole bar line: nothing wrapped, nothing wider than the pane.
    for (const line of lines) {
      expect(line.length).toBeLessThan(100);
      expect(line).toMatch(BAR_LINE);
    }
    const totals = bars.filter((l) => l.startsWith('  total '));
    expect(totals.length).toBeGreaterThan(0);
    expect(totals.some((l) => /[\d.]+ (KiB|MiB|GiB)\/s {2}ETA (\d+s|\d+m\d\ds|--) {2}\d+\/4 blobs$/.test(l))).toBe(true);
    expect(bars.some((l) => /^ {2}sha256:[0-9a-f]{12} \[[=> ]+\] +\d+% .* [\d.]+ (KiB|MiB|GiB)\/s$/.test(l))).toBe(true);
    // At the end: bars gone, the one-line summary and the exit code.
    const screen = final.split('\n').filter((l) => l.trim() !== '');
    expect(screen).toEqual([expect.stringMatching(/^pushed local:\/\/\.\/store\/app:v1 \(sha256:[0-9a-f]{12}\): 4 blobs copied \(401\.0 MiB\), 0 skipped, [\d.]+m?s$/), 'EXIT=0']);
  });

  it('verify draws the same bars while it hashes, then clears them for its summary', async () => {
    // The store the first test pushed: 4 blobs, 401 MiB to hash.
    const { frames, final } = await runInPane('verify', 100, `'${process.execPath}' '${CLI}' verify local://./store --concurrency 2`);
    expect(frames.length, final).toBeGreaterThan(0);
    const lines = frames.flatMap((f) => f.split('\n')).filter((l) => l.trim() !== '');
    for (const line of lines) {
      expect(line.length).toBeLessThan(100);
      expect(line).toMatch(BAR_LINE);
    }
    expect(lines.some((l) => /^ {2}total .* \d\/4 blobs$/.test(l))).toBe(true);
    const screen = final.split('\n').filter((l) => l.trim() !== '');
    expect(screen).toEqual([expect.stringMatching(/^local:\/\/\.\/store: sound; checked 1 tag, 1 manifest, 4 blobs \(401\.0 MiB\)$/), 'EXIT=0']);
  });

  it('draws nothing with --quiet or -o json', async () => {
    const quiet = await runInPane('quiet', 100, `'${process.execPath}' '${CLI}' push oci:./big:v1 local://./store2/app:v1 --quiet`);
    expect(quiet.frames).toEqual([]);
    expect(quiet.final.split('\n').filter((l) => l.trim() !== '')).toEqual([expect.stringMatching(/^pushed /), 'EXIT=0']);
    const json = await runInPane('json', 100, `'${process.execPath}' '${CLI}' push oci:./big:v1 local://./store3/app:v1 -o json | head -c 1; echo`);
    expect(json.frames).toEqual([]);
  });
});
