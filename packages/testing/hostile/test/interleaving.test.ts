// The gc-race harness is only as good as its interleavings: the plan's
// phases must decide the order of the actors' storage calls.
import { describe, expect, it } from 'vitest';
import { Interleaving } from './support/interleaving.js';

/** An actor making `calls` gated calls one after another. */
async function actor(plan: Interleaving, name: string, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await plan.gate(name);
  plan.finished(name);
}

describe('Interleaving', () => {
  it('lets the calls through in the order of the plan, then everyone', async () => {
    const plan = new Interleaving([
      { actor: 'b', calls: 2 },
      { actor: 'a', calls: 1 },
      { actor: 'b', calls: 1 },
    ]);
    await Promise.all([actor(plan, 'a', 3), actor(plan, 'b', 4)]);
    // b twice, a once, b once; then the plan is used up and both run freely.
    expect(plan.passed.slice(0, 4)).toEqual(['b', 'b', 'a', 'b']);
    expect(plan.passed.filter((n) => n === 'a')).toHaveLength(3);
    expect(plan.passed.filter((n) => n === 'b')).toHaveLength(4);
  });

  it('skips the phases of an actor that has finished, so the plan cannot stall on it', async () => {
    const plan = new Interleaving([
      { actor: 'a', calls: 1 },
      { actor: 'b', calls: 5 },
      { actor: 'a', calls: 1 },
      { actor: 'c', calls: 2 },
    ]);
    await Promise.all([actor(plan, 'a', 2), actor(plan, 'b', 1), actor(plan, 'c', 2)]);
    expect(plan.passed).toEqual(['a', 'b', 'a', 'c', 'c']);
  });

  it('draws the same plan from the same seed', async () => {
    const { Rng } = await import('./support/random.js');
    const one = Interleaving.random(new Rng('x'), ['a', 'b', 'c'], 10, 6).plan;
    const two = Interleaving.random(new Rng('x'), ['a', 'b', 'c'], 10, 6).plan;
    expect(one).toEqual(two);
    expect(new Set(one.map((p) => p.actor)).size).toBeGreaterThan(1);
  });
});
