import type { ListOptions, ListPage, ObjectInfo, StorageBackend } from './backend.js';

type ListingOptions = Omit<ListOptions, 'continuationToken'>;

/** Every page of a listing, following continuation tokens. */
async function* listPages(backend: StorageBackend, options: ListingOptions): AsyncGenerator<ListPage> {
  let continuationToken: string | undefined;
  do {
    const page = await backend.list({ ...options, continuationToken });
    yield page;
    continuationToken = page.nextToken;
  } while (continuationToken !== undefined);
}

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
export async function* listAll(backend: StorageBackend, options: Omit<ListingOptions, 'delimiter'> = {}): AsyncGenerator<ObjectInfo> {
  for await (const page of listPages(backend, options)) yield* page.objects;
}

/**
 * Every common prefix directly under `prefix` for `delimiter` (default `/`),
 * page after page: the "sub-directories" of a prefix.
 */
export async function* listCommonPrefixes(backend: StorageBackend, options: ListingOptions = {}): AsyncGenerator<string> {
  for await (const page of listPages(backend, { delimiter: '/', ...options })) yield* page.commonPrefixes;
}

/**
 * The objects directly under `prefix` (delimiter `/`): no key of a deeper
 * "directory" is returned. Where `<image>` may contain `/`, this is how a
 * prefix shared by several images is read without reaching the others.
 *
 * @example
 * ```ts
 * for await (const object of listDirectObjects(backend, { prefix: 'manifests/team/app/', signal })) {
 *   // 'manifests/team/app/manifest.json' (tag app of image team), never 'manifests/team/app/v1/manifest.json'
 * }
 * ```
 */
export async function* listDirectObjects(backend: StorageBackend, options: Omit<ListingOptions, 'delimiter'> = {}): AsyncGenerator<ObjectInfo> {
  for await (const page of listPages(backend, { ...options, delimiter: '/' })) yield* page.objects;
}
