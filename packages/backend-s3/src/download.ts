import { Readable } from 'node:stream';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { ErrorCode, S3loError, abortError, type ByteRange } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { errorName, httpStatus, toS3loError, type ErrorContext } from './errors.js';
import type { MemoryBudget } from './memory-budget.js';
import type { ResolvedSettings } from './options.js';

/** What one get needs. */
export interface DownloadRequest {
  readonly handle: ClientHandle;
  readonly settings: ResolvedSettings;
  readonly bucket: string;
  readonly key: string;
  readonly range: ByteRange | undefined;
  readonly signal: AbortSignal | undefined;
  /** The backend's memory for ranges read ahead beyond each download's first. */
  readonly budget: MemoryBudget;
  /**
   * Other downloads of the backend are running: they already keep
   * connections busy, so this one reads its whole span in one GET instead
   * of splitting it into parallel ranges (which would only add requests,
   * memory and CPU).
   */
  readonly shared: boolean;
}

/** Tries for one span of a download whose GET or body breaks off (the SDK retries requests, not bodies); each try resumes where the last stopped. */
const RANGE_ATTEMPTS = 3;

/** An empty byte stream. */
export function emptyStream(): Readable {
  return Readable.from([], { objectMode: false });
}

/**
 * Opens an object (or a range of it) for reading. The first ranged GET
 * decides NOT_FOUND before anything is returned and tells the object's
 * size; a small read is that one GET (or one more for the rest), a large
 * one continues with ranged GETs in parallel, at most `downloadConcurrency`
 * buffered at once, written to the stream in order. Every GET after the
 * first carries `If-Match` with the first one's ETag, so an object
 * overwritten mid-read fails the stream instead of mixing two versions.
 */
export async function download(request: DownloadRequest): Promise<Readable> {
  const { handle, settings, bucket, key, signal } = request;
  const context: ErrorContext = { op: 'get', bucket, key, endpoint: handle.endpoint, signal };
  const start = request.range?.offset ?? 0;
  const limit = request.range?.length === undefined ? undefined : start + request.range.length;
  const operation = new AbortController();
  let stream: Readable | undefined;
  const onAbort = (): void => {
    operation.abort(signal?.reason);
    stream?.destroy(abortError(signal as AbortSignal));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const release = (): void => signal?.removeEventListener('abort', onAbort);

  // A known span below the parallel threshold, or any span while other
  // downloads run, is read in one GET; otherwise the first GET reads one
  // range and reports the size.
  const whole = request.shared || (limit !== undefined && limit - start < settings.parallelDownloadThreshold);
  const firstRange = whole ? `bytes=${start}-${limit === undefined ? '' : limit - 1}` : `bytes=${start}-${start + settings.downloadRangeSize - 1}`;
  let first: GetObjectCommandOutput;
  try {
    first = await handle.client.send(new handle.sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: firstRange }), {
      abortSignal: operation.signal,
    });
  } catch (error) {
    release();
    // 416: the object exists but the range starts at or past its end.
    if ((httpStatus(error) === 416 || errorName(error) === 'InvalidRange') && !signal?.aborted) return emptyStream();
    throw toS3loError(error, context);
  }
  const body = first.Body as Readable | undefined;
  let span: { readonly total: number; readonly firstGot: number; readonly sliced: boolean };
  try {
    span = describeFirst(first, start, context);
  } catch (error) {
    release();
    body?.destroy();
    throw error;
  }
  const end = Math.min(limit ?? span.total, span.total);
  if (body === undefined || start >= end) {
    release();
    body?.destroy();
    return emptyStream();
  }
  const etag = first.ETag;
  const parallel = !request.shared && end - start >= settings.parallelDownloadThreshold;

  /** A GET of bytes [from, to) of the version the first GET saw. */
  const getRange = (from: number, to: number): Promise<GetObjectCommandOutput> =>
    handle.client.send(new handle.sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${from}-${to - 1}`, ...(etag === undefined ? {} : { IfMatch: etag }) }), {
      abortSignal: operation.signal,
    });

  /** Bytes [from, to) from a body open at `from` (or a new GET), resumed where it stopped if it breaks off. */
  const streamed = (source: Readable | undefined, from: number, to: number): AsyncGenerator<Buffer> => resuming(source, from, to, getRange, operation.signal, context);

  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      if (span.sliced) {
        // The store ignored Range: a resumed GET would be ignored the same way.
        yield* exactly(sliceOf(body as Readable, start, end), end - start, context);
        return;
      }
      const firstBytes = body as Readable;
      const firstEnd = Math.min(start + span.firstGot, end);
      if (firstEnd >= end) {
        yield* streamed(firstBytes, start, end);
        return;
      }
      if (!parallel) {
        yield* streamed(firstBytes, start, firstEnd);
        yield* streamed(undefined, firstEnd, end);
        return;
      }
      const ranges = new RangeQueue(firstEnd, end, settings.downloadRangeSize, settings.downloadConcurrency, request.budget, (from, to) =>
        fetchBuffered(getRange, from, to, operation.signal, context),
      );
      try {
        ranges.fill();
        yield* streamed(firstBytes, start, firstEnd);
        for (let next = ranges.take(); next !== undefined; next = ranges.take()) {
          yield* await next;
        }
      } finally {
        ranges.close();
      }
    } catch (error) {
      throw toS3loError(error, context);
    } finally {
      body?.destroy();
    }
  }

  const reader = Readable.from(chunks(), { objectMode: false });
  stream = reader;
  reader.once('close', () => {
    // A consumer that stops early, or an error: cancel what is in flight.
    release();
    operation.abort();
  });
  if (signal?.aborted) reader.destroy(abortError(signal));
  return reader;
}

/** The total size and what the first GET returned. `sliced`: the store ignored Range and sent the whole object. */
function describeFirst(output: GetObjectCommandOutput, start: number, context: ErrorContext): { total: number; firstGot: number; sliced: boolean } {
  const contentRange = output.ContentRange;
  if (contentRange === undefined || contentRange === '') {
    const total = output.ContentLength;
    if (typeof total !== 'number') throw malformed(context, 'neither Content-Range nor Content-Length');
    return { total, firstGot: Math.max(0, total - start), sliced: start > 0 };
  }
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange.trim());
  if (match === null) {
    // s3rver answers a ranged GET of an empty object with "bytes 0-0/0" (or similar): no bytes.
    const empty = /\/0$/.test(contentRange.trim());
    if (empty) return { total: 0, firstGot: 0, sliced: false };
    throw malformed(context, `Content-Range ${JSON.stringify(contentRange)}`);
  }
  const [, from, to, total] = match.map(Number) as [number, number, number, number];
  if (total === 0) return { total: 0, firstGot: 0, sliced: false };
  if (from !== start) throw malformed(context, `Content-Range ${JSON.stringify(contentRange)} for a range starting at ${start}`);
  return { total, firstGot: to - from + 1, sliced: false };
}

function malformed(context: ErrorContext, what: string): S3loError {
  return new S3loError(ErrorCode.BACKEND_ERROR, `get ${JSON.stringify(context.key)}: the store answered with ${what}`, {
    details: { bucket: context.bucket, key: context.key },
  });
}

/** Passes `length` bytes of `source` on, failing when it ends early or runs long. */
async function* exactly(source: AsyncIterable<Uint8Array>, length: number, context: ErrorContext): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (seen + buffer.length > length) {
      const wanted = buffer.subarray(0, length - seen);
      seen = length;
      if (wanted.length > 0) yield wanted;
      break;
    }
    seen += buffer.length;
    yield buffer;
  }
  if (seen < length) {
    throw new S3loError(ErrorCode.BACKEND_ERROR, `get ${JSON.stringify(context.key)}: the store sent ${seen} of ${length} bytes`, {
      details: { bucket: context.bucket, key: context.key, expected: length, received: seen },
    });
  }
}

/**
 * Bytes [from, to) of the object, from `source` when given (a body already
 * open at `from`), else from a new GET. A body that breaks off (a reset
 * connection, an early end), or a GET that fails without an answer, is
 * resumed where it stopped with a GET of the rest, pinned to the first
 * GET's ETag (the SDK retries requests, not bodies), up to RANGE_ATTEMPTS
 * tries in all. An answer with a status (the object changed: 412) or an
 * abort ends it.
 */
async function* resuming(
  source: Readable | undefined,
  from: number,
  to: number,
  getRange: (from: number, to: number) => Promise<GetObjectCommandOutput>,
  signal: AbortSignal,
  context: ErrorContext,
): AsyncGenerator<Buffer> {
  let position = from;
  let body = source;
  let chunks: AsyncIterator<Uint8Array> | undefined;
  let attempt = 1;
  try {
    while (position < to) {
      // Only what the GET and its body do is caught here: an error thrown in
      // at the yield below (the reader went away) must not look like a cut body.
      let next: IteratorResult<Uint8Array>;
      try {
        body ??= (await getRange(position, to)).Body as Readable;
        chunks ??= body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
        next = await chunks.next();
        if (next.done === true) {
          throw new S3loError(ErrorCode.BACKEND_ERROR, `get ${JSON.stringify(context.key)}: the store sent ${position - from} of ${to - from} bytes`, {
            details: { bucket: context.bucket, key: context.key, expected: to - from, received: position - from },
          });
        }
      } catch (error) {
        if (signal.aborted || httpStatus(error) !== undefined || attempt >= RANGE_ATTEMPTS) throw error;
        attempt++;
        body?.destroy();
        body = undefined;
        chunks = undefined;
        continue;
      }
      const chunk = next.value;
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const wanted = buffer.length > to - position ? buffer.subarray(0, to - position) : buffer;
      position += wanted.length;
      if (wanted.length > 0) yield wanted;
    }
  } finally {
    body?.destroy();
  }
}

/** Bytes [start, end) of a whole-object body (for stores that ignore Range). */
async function* sliceOf(source: AsyncIterable<Uint8Array>, start: number, end: number): AsyncGenerator<Buffer> {
  let position = 0;
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const from = Math.max(start - position, 0);
    const to = Math.min(end - position, buffer.length);
    position += buffer.length;
    if (to > from) yield buffer.subarray(from, to);
    if (position >= end) return;
  }
}

/**
 * One range read into memory as the chunks the socket delivered (joining
 * them would copy every byte once more, and churn the garbage collector);
 * a body that breaks off is resumed like a streamed one.
 */
async function fetchBuffered(
  getRange: (from: number, to: number) => Promise<GetObjectCommandOutput>,
  from: number,
  to: number,
  signal: AbortSignal,
  context: ErrorContext,
): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of resuming(undefined, from, to, getRange, signal, context)) chunks.push(chunk);
  return chunks;
}

/**
 * The ranges of a parallel download in order, each fetched (and buffered)
 * ahead of the reader, at most `concurrency` at a time. The next range is
 * the download's own; the others are paid for from the backend's
 * {@link MemoryBudget} and only fetched while it lasts, so memory stays
 * within the budget plus a range or two per download, however many run.
 */
class RangeQueue {
  readonly #pending: { readonly chunks: Promise<Buffer[]>; readonly paid: number }[] = [];
  /** Budget of the range handed out last, paid back once the reader asks for the next. */
  #handedOut = 0;
  #next: number;

  constructor(
    from: number,
    readonly end: number,
    readonly rangeSize: number,
    readonly concurrency: number,
    readonly budget: MemoryBudget,
    readonly fetch: (from: number, to: number) => Promise<Buffer[]>,
  ) {
    this.#next = from;
  }

  /** Starts fetches until `concurrency` are pending or the budget is spent. */
  fill(): void {
    while (this.#pending.length < this.concurrency && this.#next < this.end) {
      const from = this.#next;
      const to = Math.min(from + this.rangeSize, this.end);
      const paid = this.#pending.length === 0 ? 0 : to - from;
      if (paid > 0 && !this.budget.tryTake(paid)) return;
      this.#next = to;
      const chunks = this.fetch(from, to);
      // Awaited in order by take(); until then a failure must not count as unhandled.
      chunks.catch(() => undefined);
      this.#pending.push({ chunks, paid });
    }
  }

  /** The next range in order (starting more fetches), or undefined after the last. */
  take(): Promise<Buffer[]> | undefined {
    this.budget.give(this.#handedOut);
    const next = this.#pending.shift();
    this.#handedOut = next?.paid ?? 0;
    this.fill();
    return next?.chunks;
  }

  /** Pays back everything still held (the download ended, failed or was dropped). */
  close(): void {
    this.budget.give(this.#handedOut + this.#pending.reduce((sum, range) => sum + range.paid, 0));
    this.#handedOut = 0;
    this.#pending.length = 0;
  }
}
