import type { File, GetFilesOptions } from '@google-cloud/storage';
import { compareKeys, decodeListCursor, encodeListCursor, raceAbort, type ListCursor, type ListPage, type ObjectInfo } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { toS3loError, type ErrorContext } from './errors.js';

/** The contract's default and cap, and GCS's largest page. */
export const MAX_PAGE_SIZE = 1000;

/** One listing request, validated. */
export interface ListRequest {
  readonly handle: ClientHandle;
  readonly bucket: string;
  readonly prefix: string;
  readonly delimiter: string | undefined;
  readonly pageSize: number;
  readonly continuationToken: string | undefined;
  readonly clientSide: boolean;
  readonly signal: AbortSignal | undefined;
}

/** An object of a listing, with the size and time `stat` reports. */
export function objectInfo(file: Pick<File, 'name' | 'metadata'>): ObjectInfo {
  const { size, updated } = file.metadata;
  return { key: file.name, size: Number(size ?? 0), lastModified: new Date(updated ?? 0) };
}

type Entry = { readonly object: ObjectInfo; readonly prefix?: undefined } | { readonly prefix: string; readonly object?: undefined };

const entryKey = (entry: Entry): string => entry.prefix ?? entry.object.key;

/** One page of a listing. */
export async function listPage(request: ListRequest): Promise<ListPage> {
  const cursor = request.continuationToken === undefined ? {} : decodeListCursor(request.continuationToken, request.prefix, request.delimiter);
  const context: ErrorContext = { op: 'list', bucket: request.bucket, endpoint: request.handle.endpoint, signal: request.signal };
  try {
    return request.clientSide ? await listClientSide(request, cursor) : await listNative(request, cursor);
  } catch (error) {
    throw toS3loError(error, context);
  }
}

function toPage(entries: Entry[], next: ListCursor | undefined, request: ListRequest): ListPage {
  return {
    objects: entries.flatMap((e) => (e.object === undefined ? [] : [e.object])),
    commonPrefixes: entries.flatMap((e) => (e.prefix === undefined ? [] : [e.prefix])),
    ...(next === undefined ? {} : { nextToken: encodeListCursor(next, request.prefix, request.delimiter) }),
  };
}

/**
 * GCS's own paging: objects and prefixes together count against
 * `maxResults`, pages come in name order, and the page token is the
 * store's, wrapped so it is bound to this listing.
 */
async function listNative(request: ListRequest, cursor: ListCursor): Promise<ListPage> {
  const query: GetFilesOptions = {
    autoPaginate: false,
    maxResults: request.pageSize,
    ...(request.prefix === '' ? {} : { prefix: request.prefix }),
    ...(request.delimiter === undefined ? {} : { delimiter: request.delimiter }),
    ...(cursor.token === undefined ? {} : { pageToken: cursor.token }),
  };
  const [files, nextQuery, response] = await raceAbort(request.handle.bucket.getFiles(query), request.signal);
  const prefixes = ((response as { prefixes?: unknown } | undefined)?.prefixes ?? []) as string[];
  const entries: Entry[] = [...files.map((file): Entry => ({ object: objectInfo(file) })), ...prefixes.map((prefix): Entry => ({ prefix }))];
  entries.sort((a, b) => compareKeys(entryKey(a), entryKey(b)));
  const token = (nextQuery as { pageToken?: unknown } | null | undefined)?.pageToken;
  return toPage(entries, typeof token === 'string' && token !== '' ? { token } : undefined, request);
}

/**
 * For stores whose listings are not in UTF-8 byte order or do not page
 * common prefixes (the firebase-tools emulator): every page lists the whole
 * prefix and cuts the page after the cursor here. Costs a full listing per
 * page: for emulators and small buckets only.
 */
async function listClientSide(request: ListRequest, cursor: ListCursor): Promise<ListPage> {
  const all: Entry[] = [];
  const seenPrefixes = new Set<string>();
  let pageToken: string | undefined;
  do {
    const query: GetFilesOptions = {
      autoPaginate: false,
      maxResults: MAX_PAGE_SIZE,
      ...(request.prefix === '' ? {} : { prefix: request.prefix }),
      ...(pageToken === undefined ? {} : { pageToken }),
    };
    const [files, nextQuery] = await raceAbort(request.handle.bucket.getFiles(query), request.signal);
    for (const file of files) {
      const rest = file.name.slice(request.prefix.length);
      const at = request.delimiter === undefined ? -1 : rest.indexOf(request.delimiter);
      if (at === -1) {
        all.push({ object: objectInfo(file) });
      } else {
        const prefix = request.prefix + rest.slice(0, at + (request.delimiter as string).length);
        if (!seenPrefixes.has(prefix)) {
          seenPrefixes.add(prefix);
          all.push({ prefix });
        }
      }
    }
    const token = (nextQuery as { pageToken?: unknown } | null | undefined)?.pageToken;
    pageToken = typeof token === 'string' && token !== '' ? token : undefined;
  } while (pageToken !== undefined);
  all.sort((a, b) => compareKeys(entryKey(a), entryKey(b)));
  const after = cursor.after;
  const start = after === undefined ? 0 : all.findIndex((e) => compareKeys(entryKey(e), after) > 0);
  const remaining = start === -1 ? [] : all.slice(start);
  const page = remaining.slice(0, request.pageSize);
  const last = page.at(-1);
  const next = remaining.length > page.length && last !== undefined ? { after: entryKey(last) } : undefined;
  return toPage(page, next, request);
}
