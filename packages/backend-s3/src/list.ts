import type { ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, compareKeys, decodeListCursor, encodeListCursor, type ListCursor, type ListPage, type ObjectInfo } from '@s3lo/core/storage';
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

/** One page of a listing. */
export async function listPage(request: ListRequest): Promise<ListPage> {
  const cursor = request.continuationToken === undefined ? {} : decodeListCursor(request.continuationToken, request.prefix, request.delimiter);
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
async function listNative(request: ListRequest, cursor: ListCursor): Promise<ListPage> {
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
async function listClientSide(request: ListRequest, cursor: ListCursor): Promise<ListPage> {
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

function toPage(entries: readonly Entry[], next: ListCursor | undefined, request: ListRequest): ListPage {
  return {
    objects: entries.flatMap((entry) => (entry.kind === 'object' ? [entry.info] : [])),
    commonPrefixes: entries.flatMap((entry) => (entry.kind === 'prefix' ? [entry.prefix] : [])),
    ...(next === undefined ? {} : { nextToken: encodeListCursor(next, request.prefix, request.delimiter) }),
  };
}
