/**
 * Seeded interleavings of concurrent operations at the granularity of their
 * storage calls, instead of start delays: each operation ("actor") gets its
 * own plugin registry whose backend waits at a gate before every call, and a
 * token decides whose calls go through. The plan is a seeded list of phases
 * (actor, number of calls): the actor holding the token makes that many
 * calls while the others wait at the gate, then the token moves on. A phase
 * whose actor has finished is skipped; once the plan is used up every gate
 * opens and the operations finish on their own.
 *
 * No wait here depends on time. An actor holding the token always gets on
 * (the only cross-actor wait in s3lo, a push waiting for a GC-run marker to
 * go, is a loop of storage calls, which spend the token), so the plan cannot
 * deadlock. A look at the GC-run markers (a listing of `gc-runs/`) ends its
 * actor's phase at once: a push that finds a marker sleeps a second before
 * it looks again, and holding the token through that sleep would only stall
 * the gc it waits for.
 */
import { PluginRegistry } from '@s3lo/core';
import type { BackendPlugin, StorageBackend } from '@s3lo/core/storage';
import localBackend from '@s3lo/backend-local';
import s3Backend from '@s3lo/backend-s3';
import archiveTransports from '@s3lo/transport-archive';
import type { Rng } from './random.js';

/** The storage calls that wait for the token. */
const GATED = new Set(['get', 'put', 'stat', 'list', 'deleteMany', 'copy']);

export interface Phase {
  readonly actor: string;
  readonly calls: number;
}

export class Interleaving {
  readonly plan: readonly Phase[];
  #phase = 0;
  #left: number;
  readonly #finished = new Set<string>();
  readonly #waiting: { actor: string; go: () => void }[] = [];
  /** Storage calls made per actor, for the figures. */
  readonly calls = new Map<string, number>();
  /** The actors' calls in the order the gate let them through. */
  readonly passed: string[] = [];
  /** Looks at the GC-run markers per actor: a push that looked more than once waited for a gc. */
  readonly gcRunLooks = new Map<string, number>();

  constructor(plan: readonly Phase[]) {
    this.plan = plan;
    this.#left = plan[0]?.calls ?? 0;
  }

  /** A seeded plan of `phases` phases over `actors`, each of 1 to `maxCalls` calls. */
  static random(rng: Rng, actors: readonly string[], phases: number, maxCalls: number): Interleaving {
    return new Interleaving(Array.from({ length: phases }, () => ({ actor: rng.pick(actors), calls: rng.int(1, maxCalls) })));
  }

  /** Resolves when `actor` may make its next storage call. */
  gate(actor: string): Promise<void> {
    this.calls.set(actor, (this.calls.get(actor) ?? 0) + 1);
    if (this.#holder() === actor) {
      this.passed.push(actor);
      this.#spend();
      return Promise.resolve();
    }
    if (this.#holder() === undefined) {
      this.passed.push(actor);
      return Promise.resolve();
    }
    return new Promise((go) => this.#waiting.push({ actor, go }));
  }

  /** `actor` has finished (settled): its phases are skipped from now on. */
  finished(actor: string): void {
    this.#finished.add(actor);
    if (this.#holder() === actor) this.#advance();
  }

  /** A registry whose local:// and s3:// backends make `actor` wait for its turn. */
  registryFor(actor: string): PluginRegistry {
    const gated = (plugin: BackendPlugin): BackendPlugin => ({
      ...plugin,
      name: `${plugin.name} (interleaved: ${actor})`,
      create: async (bucket, options) => this.#wrap(await plugin.create(bucket, options), actor),
    });
    const registry = new PluginRegistry();
    registry.registerBackend(gated(localBackend));
    registry.registerBackend(gated(s3Backend));
    registry.registerTransport(archiveTransports);
    return registry;
  }

  #wrap(backend: StorageBackend, actor: string): StorageBackend {
    return new Proxy(backend, {
      get: (target, property) => {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        const method = (value as (...args: unknown[]) => unknown).bind(target);
        if (typeof property !== 'string' || !GATED.has(property)) return method;
        return async (...args: unknown[]) => {
          await this.gate(actor);
          if (property === 'list' && String((args[0] as { prefix?: unknown } | undefined)?.prefix ?? '').startsWith('gc-runs/')) {
            this.gcRunLooks.set(actor, (this.gcRunLooks.get(actor) ?? 0) + 1);
            this.#yield(actor);
          }
          return method(...args);
        };
      },
    });
  }

  /** Whose turn it is; undefined once the plan is used up (everyone goes). */
  #holder(): string | undefined {
    return this.plan[this.#phase]?.actor;
  }

  /** Ends `actor`'s phase now if it holds the token. */
  #yield(actor: string): void {
    if (this.#holder() === actor) this.#advance();
  }

  #spend(): void {
    this.#left -= 1;
    if (this.#left <= 0) this.#advance();
  }

  #advance(): void {
    do {
      this.#phase += 1;
      this.#left = this.plan[this.#phase]?.calls ?? 0;
    } while (this.#holder() !== undefined && this.#finished.has(this.#holder() as string));
    this.#release();
  }

  /** Lets through the waiting calls the new phase allows (all of them once the plan is used up). */
  #release(): void {
    for (;;) {
      const holder = this.#holder();
      const index = holder === undefined ? 0 : this.#waiting.findIndex((w) => w.actor === holder);
      const next = this.#waiting[index];
      if (index < 0 || next === undefined) return;
      this.#waiting.splice(index, 1);
      this.passed.push(next.actor);
      next.go();
      if (holder !== undefined) this.#spend();
      // #spend may have moved to the next phase and released its calls already.
      if (holder !== undefined && this.#holder() !== holder) return;
    }
  }
}
