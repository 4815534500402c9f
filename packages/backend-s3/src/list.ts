import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, compareKeys, decodeListToken, encodeListToken, invalidListToken, type ListPage, type ObjectInfo } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { errorName, httpStatus, toS3loError, type ErrorContext } from './errors.js';

/** S3's largest page, and the contract's default and cap. */
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

/**
 * Where the next page starts: the store's own continuation token, or (when
 * this process cut a page short, or lists client-side) the last entry
 * returned. Bound to the prefix and delimiter it was issued for.
 */
interface Cursor {
  readonly token?: string;
  readonly after?: string;
}

/** A token (see encodeListToken) carrying the cursor: `t` the store's token, `a` the last entry returned. */
export function encodeToken(cursor: Cursor, prefix: string, delimiter: string | undefined): string {
  return encodeListToken({ ...(cursor.token === undefined ? {} : { t: cursor.token }), ...(cursor.after === undefined ? {} : { a: cursor.after }) }, prefix, delimiter);
}

/** The cursor of a token of this listing; INVALID_ARGUMENT for one this backend did not issue for it. */
export function decodeToken(token: string, prefix: string, delimiter: string | undefined): Cursor {
  const { t, a } = decodeListToken(token, prefix, delimiter);
  if ((t === undefined) === (a === undefined)) throw invalidListToken(token, 'malformed');
  if (t !== undefined && (typeof t !== 'string' || t === '')) throw invalidListToken(token, 'malformed');
  if (a !== undefined && (typeof a !== 'string' || a === '')) throw invalidListToken(token, 'malformed');
  return t === undefined ? { after: a as string } : { token: t as string };
}

/** One page of a listing. */
export async function listPage(request: ListRequest): Promise<ListPage> {
  const cursor = request.continuationToken === undefined ? {} : decodeToken(request.continuationToken, request.prefix, request.delimiter);
  const context: ErrorContext = { op: 'list', bucket: request.bucket, endpoint: request.handle.endpoint, signal: request.signal };
  try {
    return request.clientSide ? await listClientSide(request, cursor) : await listNative(request, cursor);
  } catch (error) {
    if (httpStatus(error) === 400 && errorName(error) === 'InvalidArgument' && cursor.token !== undefined) {
      throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'the store refused the continuation token', { cause: error, hint: 'pass the nextToken of the previous page of the same listing' });
    }
    throw toS3loError(error, context);
  }
}

type Entry = { readonly kind: 'object'; readonly info: ObjectInfo } | { readonly kind: 'prefix'; readonly prefix: string };

function entryKey(entry: Entry): string {
  return entry.kind === 'object' ? entry.info.key : entry.prefix;
}

function objectInfo(object: NonNullable<ListObjectsV2CommandOutput['Contents']>[number]): ObjectInfo | undefined {
  if (object.Key === undefined) return undefined;
  return { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
}

/**
 * ListObjectsV2 as the store answers it. A store that sends more entries
 * than asked (s3rver ignores MaxKeys with a delimiter) gets its page cut
 * here, and the next page starts after the last entry returned.
 */
async function listNative(request: ListRequest, cursor: Cursor): Promise<ListPage> {
  const { handle, bucket, prefix, delimiter, pageSize, signal } = request;
  const output = await handle.client.send(
    new handle.sdk.ListObjectsV2Command({
      Bucket: bucket,
      ...(prefix === '' ? {} : { Prefix: prefix }),
      ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
      MaxKeys: pageSize,
      ...(cursor.token === undefined ? {} : { ContinuationToken: cursor.token }),
      ...(cursor.after === undefined ? {} : { StartAfter: cursor.after }),
    }),
    { abortSignal: signal },
  );
  const raw: Entry[] = [];
  for (const object of output.Contents ?? []) {
    const info = objectInfo(object);
    if (info !== undefined) raw.push({ kind: 'object', info });
  }
  for (const common of output.CommonPrefixes ?? []) {
    if (common.Prefix !== undefined) raw.push({ kind: 'prefix', prefix: common.Prefix });
  }
  raw.sort((a, b) => compareKeys(entryKey(a), entryKey(b)));
  const lastRaw = raw.at(-1);
  // Resuming after a common prefix, the store groups that prefix's keys again.
  const entries = cursor.after === undefined ? raw : raw.filter((entry) => compareKeys(entryKey(entry), cursor.after as string) > 0);
  if (entries.length > pageSize) {
    const page = entries.slice(0, pageSize);
    return toPage(page, { after: entryKey(page.at(-1) as Entry) }, request);
  }
  if (output.IsTruncated !== true) return toPage(entries, undefined, request);
  if (output.NextContinuationToken !== undefined && output.NextContinuationToken !== '') {
    return toPage(entries, { token: output.NextContinuationToken }, request);
  }
  if (lastRaw === undefined) {
    throw new S3loError(ErrorCode.BACKEND_ERROR, `list in bucket ${JSON.stringify(bucket)}: the store said the listing goes on but gave no entry and no continuation token`);
  }
  return toPage(entries, { after: entryKey(lastRaw) }, request);
}

/**
 * Lists every key under the prefix, then sorts, groups and pages here: for
 * stores whose own order or page sizes cannot be trusted.
 */
async function listClientSide(request: ListRequest, cursor: Cursor): Promise<ListPage> {
  const { handle, bucket, prefix, delimiter, pageSize, signal } = request;
  const objects: ObjectInfo[] = [];
  let token: string | undefined;
  do {
    const output: ListObjectsV2CommandOutput = await handle.client.send(
      new handle.sdk.ListObjectsV2Command({
        Bucket: bucket,
        ...(prefix === '' ? {} : { Prefix: prefix }),
        MaxKeys: MAX_PAGE_SIZE,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
      { abortSignal: signal },
    );
    for (const object of output.Contents ?? []) {
      const info = objectInfo(object);
      if (info?.key.startsWith(prefix)) objects.push(info);
    }
    token = output.IsTruncated === true ? output.NextContinuationToken : undefined;
  } while (token !== undefined && token !== '');

  const prefixes = new Set<string>();
  const entries: Entry[] = [];
  for (const info of objects) {
    const at = delimiter === undefined ? -1 : info.key.indexOf(delimiter, prefix.length);
    if (at >= 0 && delimiter !== undefined) {
      const common = info.key.slice(0, at + delimiter.length);
      if (!prefixes.has(common)) {
        prefixes.add(common);
        entries.push({ kind: 'prefix', prefix: common });
      }
    } else {
      entries.push({ kind: 'object', info });
    }
  }
  entries.sort((a, b) => compareKeys(entryKey(a), entryKey(b)));
  if (cursor.token !== undefined) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, 'the continuation token was issued by a listing of the store, not by a client-side listing', {
      hint: 'pass the nextToken of the previous page of the same listing',
    });
  }
  const after = cursor.after;
  const remaining = after === undefined ? entries : entries.filter((entry) => compareKeys(entryKey(entry), after) > 0);
  const page = remaining.slice(0, pageSize);
  return toPage(page, remaining.length > pageSize ? { after: entryKey(page.at(-1) as Entry) } : undefined, request);
}

function toPage(entries: readonly Entry[], next: Cursor | undefined, request: ListRequest): ListPage {
  return {
    objects: entries.flatMap((entry) => (entry.kind === 'object' ? [entry.info] : [])),
    commonPrefixes: entries.flatMap((entry) => (entry.kind === 'prefix' ? [entry.prefix] : [])),
    ...(next === undefined ? {} : { nextToken: encodeToken(next, request.prefix, request.delimiter) }),
  };
}
