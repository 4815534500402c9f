import type { ListOptions, ObjectInfo, StorageBackend } from './backend.js';

/**
 * Every object under `prefix`, page after page, as an async iterable.
 *
 * @example
 * ```ts
 * for await (const object of listAll(backend, { prefix: 'blobs/sha256/', signal })) {
 *   total += object.size;
 * }
 * ```
 */
export async function* listAll(
  backend: StorageBackend,
  options: Omit<ListOptions, 'continuationToken' | 'delimiter'> = {},
): AsyncGenerator<ObjectInfo> {
  let continuationToken: string | undefined;
  do {
    const page = await backend.list({ ...options, continuationToken });
    yield* page.objects;
    continuationToken = page.nextToken;
  } while (continuationToken !== undefined);
}

/**
 * Every common prefix directly under `prefix` for `delimiter` (default `/`),
 * page after page: the "sub-directories" of a prefix.
 */
export async function* listCommonPrefixes(
  backend: StorageBackend,
  options: Omit<ListOptions, 'continuationToken'> = {},
): AsyncGenerator<string> {
  let continuationToken: string | undefined;
  do {
    const page = await backend.list({ delimiter: '/', ...options, continuationToken });
    yield* page.commonPrefixes;
    continuationToken = page.nextToken;
  } while (continuationToken !== undefined);
}
