/**
 * Seeded, bounded trials: how many, from which seed, and what a failure
 * reports. Every harness runs a fixed number of trials per target; each
 * trial draws everything it decides from `Rng(<base seed>/<category>/<target>/<n>)`
 * and names the step it is at, so a failure says which seed and step to
 * replay.
 *
 * Environment:
 * - `S3LO_HOSTILE_SEED`: the base seed (default {@link DEFAULT_SEED}, so CI
 *   runs the same trials every time; `random` draws a fresh one, printed).
 * - `S3LO_HOSTILE_TRIALS`: trials per harness and target instead of the
 *   defaults, for soak runs (`S3LO_HOSTILE_TRIALS=1000`).
 * - `S3LO_HOSTILE_ONLY`: run only the trial named, e.g. `crash/local/17`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from './random.js';

export const DEFAULT_SEED = 's3lo-hostile-1';

const seedEnv = process.env.S3LO_HOSTILE_SEED?.trim();
/** The base seed of this run. */
export const BASE_SEED = seedEnv === 'random' ? randomBytes(6).toString('hex') : seedEnv || DEFAULT_SEED;
const trialsEnv = process.env.S3LO_HOSTILE_TRIALS?.trim();
const only = process.env.S3LO_HOSTILE_ONLY?.trim();

/** Whether this is a soak run (S3LO_HOSTILE_TRIALS set). */
export const SOAK = trialsEnv !== undefined && trialsEnv !== '';

/**
 * Trials to run: `defaultCount`, or S3LO_HOSTILE_TRIALS times `share` in a
 * soak run (share lets a slow target, Ceph, take a part of the count).
 */
export function trialCount(defaultCount: number, share = 1): number {
  if (!SOAK) return defaultCount;
  const n = Number(trialsEnv);
  if (!Number.isInteger(n) || n < 1) throw new Error(`S3LO_HOSTILE_TRIALS must be a whole number >= 1, got ${JSON.stringify(trialsEnv)}`);
  return Math.max(1, Math.round(n * share));
}

/**
 * The bound of a test running `count` trials of about `typicalMs` each on an
 * idle machine: ten times that plus a minute. It only turns a hang into a
 * failure; the suite shares two cores, where a trial can take many times longer.
 */
export function timeoutFor(count: number, typicalMs: number): number {
  return 60_000 + count * typicalMs * 10;
}

/** One trial's view: its name, seed, random source, and the step it is at. */
export class Trial {
  readonly rng: Rng;
  #step = 'start';
  readonly notes: string[] = [];

  constructor(
    readonly name: string,
    readonly seed: string,
  ) {
    this.rng = new Rng(seed);
  }

  /** Names what the trial does next (reported if it fails). */
  step(label: string): void {
    this.#step = label;
  }

  get currentStep(): string {
    return this.#step;
  }

  /** A fact worth printing with a failure (the kill point chosen, the tamper made). */
  note(text: string): void {
    this.notes.push(text);
  }
}

/** A trial that failed: enough to replay it. */
export interface TrialFailure {
  readonly trial: string;
  readonly seed: string;
  readonly step: string;
  readonly notes: readonly string[];
  readonly error: string;
}

/** What a harness reports for one target. */
export interface TrialSummary {
  readonly category: string;
  readonly target: string;
  readonly baseSeed: string;
  readonly trials: number;
  readonly failures: readonly TrialFailure[];
  /** Counts the harness kept (kill points reached, outcomes seen), for the figures. */
  readonly tally: Record<string, number>;
  readonly seconds: number;
}

/** Counters a harness bumps while its trials run. */
export type Tally = Record<string, number>;

export function bump(tally: Tally, key: string, by = 1): void {
  tally[key] = (tally[key] ?? 0) + by;
}

/**
 * Runs `count` trials of `body` one after the other, each with its own seed;
 * a failing trial is recorded (seed, step, notes, error) and the rest still
 * run. Prints one line with the seed and the counts, writes the figures to
 * `<repo>/.test-results/hostile/<category>-<target>.json`, and returns them:
 * the caller asserts {@link expectNoFailures}.
 */
export async function runTrials(category: string, target: string, count: number, body: (trial: Trial, tally: Tally) => Promise<void>): Promise<TrialSummary> {
  const t0 = performance.now();
  const failures: TrialFailure[] = [];
  const tally: Tally = {};
  let ran = 0;
  for (let i = 0; i < count; i++) {
    const name = `${category}/${target}/${i}`;
    if (only !== undefined && only !== '' && only !== name) continue;
    const trial = new Trial(name, `${BASE_SEED}/${name}`);
    ran += 1;
    try {
      await body(trial, tally);
    } catch (error) {
      failures.push({ trial: name, seed: trial.seed, step: trial.currentStep, notes: trial.notes, error: describe(error) });
    }
  }
  const summary: TrialSummary = { category, target, baseSeed: BASE_SEED, trials: ran, failures, tally, seconds: (performance.now() - t0) / 1000 };
  const tallyText = Object.entries(tally)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`hostile ${category} ${target}: seed ${BASE_SEED}, ${ran} trials, ${failures.length} failures, ${summary.seconds.toFixed(1)} s${tallyText ? ` (${tallyText})` : ''}`);
  writeFigures(summary);
  return summary;
}

/** Fails with every failed trial's name, seed, step and error, and how to replay the first. */
export function expectNoFailures(summary: TrialSummary): void {
  if (summary.failures.length === 0) return;
  const lines = summary.failures.map((f) => `- ${f.trial} (seed ${f.seed}) at step "${f.step}"${f.notes.length ? ` [${f.notes.join('; ')}]` : ''}: ${f.error}`);
  const first = summary.failures[0] as TrialFailure;
  throw new Error(
    `${summary.failures.length} of ${summary.trials} ${summary.category} trials on ${summary.target} failed:\n${lines.join('\n')}\n` +
      `replay: S3LO_HOSTILE_SEED=${summary.baseSeed} S3LO_HOSTILE_ONLY=${first.trial}` +
      (SOAK ? ` S3LO_HOSTILE_TRIALS=${trialsEnv}` : ''),
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message.split('\n').slice(0, 12).join('\n  ')}`;
  }
  return String(error);
}

function writeFigures(summary: TrialSummary): void {
  const dir = join(import.meta.dirname, '..', '..', '..', '..', '..', '.test-results', 'hostile');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${summary.category}-${summary.target}.json`), `${JSON.stringify(summary, null, 2)}\n`);
}
