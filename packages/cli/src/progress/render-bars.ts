import { shortDigest } from '../output/digests.js';
import { formatBytes, formatRate } from '../output/sizes.js';
import type { TransferState } from './transfer-state.js';

const MAX_BLOB_LINES = 6;
const MIN_BAR = 10;
const MAX_BAR = 30;

/**
 * The lines of one progress frame: a bar per blob in flight (at most six,
 * then "+N more") and a total bar with speed, ETA and blob count. Every
 * line fits in `width - 1` columns, so the terminal never wraps one (which
 * would break moving the cursor back up over the frame). ASCII only, so it
 * reads the same in any terminal and locale.
 */
export function renderFrame(state: TransferState, width: number, now: number): string[] {
  const rows: Row[] = [];
  const active = [...state.active.values()];
  const labelWidth = 'sha256:'.length + 12;
  for (const blob of active.slice(0, MAX_BLOB_LINES)) {
    const elapsed = (now - blob.startedAt) / 1000;
    const rate = elapsed > 0.2 ? formatRate(blob.bytes / elapsed) : '';
    rows.push(row(shortDigest(blob.digest).padEnd(labelWidth), blob.bytes, blob.size, [rate]));
  }
  const more = active.length > MAX_BLOB_LINES ? `  +${active.length - MAX_BLOB_LINES} more blobs in flight` : undefined;
  const eta = state.eta(now);
  const speed = state.speed(now);
  rows.push(
    row('total'.padEnd(labelWidth), state.currentBytes, state.totalBytes, [
      speed > 0 ? formatRate(speed) : '',
      `ETA ${eta === undefined ? '--' : formatEta(eta)}`,
      `${state.blobsDone}/${state.totalBlobs} blobs`,
    ]),
  );
  // One bar width for the whole frame, so the bars line up: the widest the
  // longest line allows, within MIN_BAR..MAX_BAR; no bars when too narrow.
  const room = Math.min(...rows.map((r) => width - 1 - (2 + r.label.length + 1) - 2 - (r.tail.length + 2)));
  const barWidth = Math.min(MAX_BAR, room);
  const lines = rows.map((r) => (barWidth < MIN_BAR ? withoutBar(r, width) : `  ${r.label} ${bar(r.fraction, barWidth)}  ${r.tail}`));
  if (more !== undefined) lines.splice(lines.length - 1, 0, fit(more, width));
  return lines;
}

interface Row {
  readonly label: string;
  readonly fraction: number;
  /** Percent, amounts, then extras (speed, ETA, count), most important first. */
  readonly parts: readonly string[];
  readonly tail: string;
}

/** A narrow terminal: no bar, and the least important parts dropped until the line fits. */
function withoutBar(r: Row, width: number): string {
  for (let n = r.parts.length; n > 0; n--) {
    const text = `  ${r.label} ${r.parts.slice(0, n).join('  ')}`;
    if (text.length <= width - 1) return text;
  }
  return fit(`  ${r.label.trim()} ${r.parts[0] ?? ''}`, width);
}

function row(label: string, done: number, total: number, extras: string[]): Row {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const amounts = `${formatBytes(done)}/${formatBytes(total)}`;
  const parts = [percent, amounts, ...extras.filter((e) => e !== '')];
  return { label, fraction, parts, tail: parts.join('  ') };
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(fraction * width);
  const head = filled > 0 && filled < width ? '>' : '';
  return `[${'='.repeat(Math.max(0, filled - head.length))}${head}${' '.repeat(width - filled)}]`;
}

function fit(text: string, width: number): string {
  return text.length <= width - 1 ? text : text.slice(0, Math.max(0, width - 1));
}

function formatEta(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
