import { throwIfAborted } from '../errors/abort.js';

/**
 * `fn` over `items` with at most `limit` calls in flight; results in input
 * order. The first failure rejects the whole call once the calls already
 * started have settled (so nothing is left writing after the caller moved
 * on), and no new call starts after it (or after an abort).
 *
 * @example
 * ```ts
 * const sizes = await mapConcurrent(keys, 16, signal, async (key) => (await backend.stat(key, { signal })).size);
 * ```
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        throwIfAborted(signal);
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failure;
  return results;
}
