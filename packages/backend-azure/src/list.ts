import { compareKeys, decodeListToken, encodeListToken, invalidListToken, type ListPage, type ObjectInfo } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { toS3loError } from './errors.js';

/** Azure's (and the contract's) most entries per listing page. */
export const MAX_PAGE_SIZE = 1000;

/** A UTF-16 surrogate: a character beyond the BMP. */
const SURROGATE = /[\uD800-\uDFFF]/;

/** What one page of a listing needs. */
export interface ListRequest {
  readonly handle: ClientHandle;
  readonly prefix: string;
  readonly delimiter: string | undefined;
  readonly pageSize: number;
  readonly continuationToken: string | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Where the next page starts: Azure's marker (`m`), and the last entry
 * returned (`a`); `c` once the listing went client-side (see listPage).
 * Bound to the prefix and delimiter it was issued for.
 */
interface TokenBody {
  readonly m?: string;
  readonly a?: string;
  readonly c?: 1;
}

type Entry = { readonly kind: 'object'; readonly info: ObjectInfo } | { readonly kind: 'prefix'; readonly prefix: string };

function entryKey(entry: Entry): string {
  return entry.kind === 'object' ? entry.info.key : entry.prefix;
}

/**
 * One page of List Blobs (flat, or by hierarchy with a delimiter).
 *
 * Azure lists in UTF-16 code unit order, the contract wants UTF-8 byte
 * order. The two differ only where a character beyond the BMP (a surrogate
 * pair) meets one from U+E000 to U+FFFF at the first difference: UTF-16 puts
 * the first before the second, UTF-8 after. So pages without such
 * characters are passed on as Azure sends them (sorted in UTF-8 order within
 * the page), and no later page can hold a key that sorts before them; from
 * the first page with one, the rest of the listing is done here: the whole
 * prefix listed, sorted, grouped and paged after the last entry returned.
 * s3lo's own keys are ASCII, so its listings never take that path.
 */
export async function listPage(request: ListRequest): Promise<ListPage> {
  const { handle, signal } = request;
  const body = request.continuationToken === undefined ? undefined : decodeToken(request.continuationToken, request.prefix, request.delimiter);
  try {
    if (body?.c === 1) return await listClientSide(request, body.a);
    const native = await listNative(request, body?.m);
    if (!native.entries.some((entry) => SURROGATE.test(entryKey(entry)))) {
      const last = native.entries.at(-1);
      const next = native.marker === undefined || native.marker === '' ? undefined : { m: native.marker, ...(last === undefined ? {} : { a: entryKey(last) }) };
      return toPage(native.entries, next, request);
    }
    return await listClientSide(request, body?.a);
  } catch (error) {
    throw toS3loError(error, { op: 'list', container: handle.container.containerName, endpoint: handle.endpoint, signal });
  }
}

async function listNative(request: ListRequest, marker: string | undefined): Promise<{ entries: Entry[]; marker: string | undefined }> {
  const { handle, prefix, delimiter, pageSize, signal } = request;
  const container = handle.container;
  const settings = { maxPageSize: pageSize, ...(marker === undefined ? {} : { continuationToken: marker }) };
  const entries: Entry[] = [];
  if (delimiter === undefined) {
    const page = (await container.listBlobsFlat({ prefix, abortSignal: signal }).byPage(settings).next()).value;
    for (const item of page?.segment.blobItems ?? []) entries.push({ kind: 'object', info: info(item) });
    entries.sort((a, b) => compareKeys(entryKey(a), entryKey(b)));
    return { entries, marker: page?.continuationToken };
  }
  const page = (await container.listBlobsByHierarchy(delimiter, { prefix, abortSignal: signal }).byPage(settings).next()).value;
  for (const item of page?.segment.blobItems ?? []) entries.push({ kind: 'object', info: info(item) });
  for (const item of page?.segment.blobPrefixes ?? []) entries.push({ kind: 'prefix', prefix: item.name });
  entries.sort((a, b) => compareKeys(entryKey(a), entryKey(b)));
  return { entries, marker: page?.continuationToken };
}

/** Lists every blob under the prefix, then sorts, groups and pages here, after `after`. */
async function listClientSide(request: ListRequest, after: string | undefined): Promise<ListPage> {
  const { handle, prefix, delimiter, pageSize, signal } = request;
  const prefixes = new Set<string>();
  const entries: Entry[] = [];
  for await (const page of handle.container.listBlobsFlat({ prefix, abortSignal: signal }).byPage({ maxPageSize: MAX_PAGE_SIZE })) {
    for (const item of page.segment.blobItems) {
      const at = delimiter === undefined ? -1 : item.name.indexOf(delimiter, prefix.length);
      if (at >= 0 && delimiter !== undefined) {
        const common = item.name.slice(0, at + delimiter.length);
        if (!prefixes.has(common)) {
          prefixes.add(common);
          entries.push({ kind: 'prefix', prefix: common });
        }
      } else {
        entries.push({ kind: 'object', info: info(item) });
      }
    }
  }
  entries.sort((a, b) => compareKeys(entryKey(a), entryKey(b)));
  const remaining = after === undefined ? entries : entries.filter((entry) => compareKeys(entryKey(entry), after) > 0);
  const page = remaining.slice(0, pageSize);
  return toPage(page, remaining.length > pageSize ? { c: 1, a: entryKey(page.at(-1) as Entry) } : undefined, request);
}

function toPage(entries: readonly Entry[], next: TokenBody | undefined, request: ListRequest): ListPage {
  return {
    objects: entries.flatMap((entry) => (entry.kind === 'object' ? [entry.info] : [])),
    commonPrefixes: entries.flatMap((entry) => (entry.kind === 'prefix' ? [entry.prefix] : [])),
    ...(next === undefined ? {} : { nextToken: encodeListToken({ ...next }, request.prefix, request.delimiter) }),
  };
}

/** The token's body; INVALID_ARGUMENT for a token this backend did not issue for this listing. */
export function decodeToken(token: string, prefix: string, delimiter: string | undefined): TokenBody {
  const body = decodeListToken(token, prefix, delimiter);
  const { m, a, c } = body;
  if (m !== undefined && (typeof m !== 'string' || m === '')) throw invalidListToken(token, 'malformed');
  if (a !== undefined && typeof a !== 'string') throw invalidListToken(token, 'malformed');
  if (c !== undefined && (c !== 1 || a === undefined)) throw invalidListToken(token, 'malformed');
  if (c === undefined && m === undefined) throw invalidListToken(token, 'malformed');
  return body as TokenBody;
}

function info(item: { name: string; properties: { contentLength?: number; lastModified: Date } }): ObjectInfo {
  return { key: item.name, size: item.properties.contentLength ?? 0, lastModified: item.properties.lastModified };
}
