// Hand-written (with render-bars.ts and transfer-state.ts: 7.1 KB minified
// together), measured against `cli-progress` 3.12.0: 24.1 KB minified with
// its string-width/ansi dependencies, and +10 ms to import (fastest of 40
// runs; `node -e 0`: 26 ms), which cli.ts would pay on every start,
// `--version` included. Its MultiBar does not keep every line within
// width - 1 columns (a wrapped line breaks the cursor-up redraw;
// test/progress-tmux.test.ts reads the pane) nor fold extra blobs into
// "+N more".
import type { BlobProgress } from '@s3lo/core/image';
import type { ProgressReporter, ProgressStart, ProgressWords } from './progress-reporter.js';
import { renderFrame } from './render-bars.js';
import { TransferState } from './transfer-state.js';

const REDRAW_MS = 100;
// Cursor to the start of the line n lines up, then erase to the end of the screen.
const up = (n: number): string => (n > 0 ? `\x1b[${n}F\x1b[J` : '\r\x1b[J');

export interface TerminalLike {
  write(text: string): unknown;
  readonly columns?: number;
}

/**
 * Live bars on stderr when it is a terminal. Callbacks only update numbers;
 * a timer draws at most ten frames a second, each written in one `write`
 * so the terminal never shows half a frame. `finish` erases the bars,
 * leaving the screen as it was for the summary line.
 */
export class TerminalProgress implements ProgressReporter {
  readonly #terminal: TerminalLike;
  readonly #now: () => number;
  readonly #state: TransferState;
  #timer: NodeJS.Timeout | undefined;
  #drawn = 0;
  #finished = false;

  constructor(terminal: TerminalLike, now: () => number = () => performance.now()) {
    this.#terminal = terminal;
    this.#now = now;
    this.#state = new TransferState(now());
  }

  start(start: ProgressStart): void {
    this.#state.start(start);
    if (this.#finished || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
    // Progress must never keep the process alive on its own.
    this.#timer.unref();
  }

  progress(progress: BlobProgress): void {
    this.#state.progress(progress, this.#now());
  }

  blob(digest: string, size: number, skipped: boolean): void {
    this.#state.blob(digest, size, skipped, this.#now());
  }

  note(line: string): void {
    // Over the bars: the next frame is drawn below the line.
    this.#terminal.write(`${this.#drawn > 0 ? up(this.#drawn) : ''}${line}\n`);
    this.#drawn = 0;
  }

  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#drawn > 0) this.#terminal.write(up(this.#drawn));
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#finished) return;
    const width = Math.max(20, this.#terminal.columns ?? 80);
    const lines = renderFrame(this.#state, width, this.#now());
    this.#terminal.write(`${this.#drawn > 0 ? up(this.#drawn) : ''}${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}

/**
 * Off a terminal with `--verbose`: one line per blob as it completes, for
 * CI logs, where redrawn bars would be garbage.
 */
export class LineProgress implements ProgressReporter {
  constructor(
    readonly write: (line: string) => void,
    readonly describe: (bytes: number) => string,
    readonly short: (digest: string) => string,
    readonly words: ProgressWords = { moved: 'copied', skipped: 'exists' },
  ) {}

  start(start: ProgressStart): void {
    const platforms = start.platforms ?? [];
    this.write(`${start.blobs} blobs, ${this.describe(start.totalBytes)}${platforms.length > 0 ? `, ${platforms.join(', ')}` : ''}`);
  }

  progress(): void {}

  blob(digest: string, size: number, skipped: boolean): void {
    const width = Math.max(this.words.moved.length, this.words.skipped.length) + 1;
    this.write(`${(skipped ? this.words.skipped : this.words.moved).padEnd(width)} ${this.short(digest)}  ${this.describe(size)}`);
  }

  finish(): void {}
}
