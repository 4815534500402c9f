import { Readable, pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import type { SaveOptions, CreateWriteStreamOptions } from '@google-cloud/storage';
import { abortError, bodyToStream, createByteCounter, type PutBody } from '@s3lo/core/storage';
import type { ClientHandle } from './client.js';
import { toS3loError, type ErrorContext } from './errors.js';
import type { ResolvedSettings } from './options.js';

/** What one put needs besides the body. */
export interface UploadRequest {
  readonly handle: ClientHandle;
  readonly settings: ResolvedSettings;
  readonly bucket: string;
  readonly key: string;
  readonly size: number | undefined;
  readonly contentType: string | undefined;
  /** Create only if absent: `ifGenerationMatch: 0`. */
  readonly conditional: boolean;
  readonly onProgress: ((bytesSoFar: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Writes `body` under the request's key. Up to `resumableThreshold` bytes
 * are buffered and sent in one request with their MD5 (retried by the SDK,
 * a short body caught before anything is sent); a larger body (known from
 * the size, or found by reading that far) goes as a resumable upload,
 * streamed as it is read. The object appears only when the upload is
 * finalized: a body error, a size mismatch or an abort destroys the upload
 * before it ends, leaving no object.
 */
export async function upload(request: UploadRequest, body: PutBody): Promise<void> {
  const { signal, key, size, onProgress, settings } = request;
  const context: ErrorContext = { op: 'put', bucket: request.bucket, key, endpoint: request.handle.endpoint, conditional: request.conditional, signal };
  const counter = createByteCounter({ size, onProgress, label: `the body of ${JSON.stringify(key)}` });
  pipeline(bodyToStream(body), counter, () => undefined);
  const onAbort = (): void => {
    counter.destroy(abortError(signal as AbortSignal));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const iterator = counter[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    if (size === undefined || size <= settings.resumableThreshold) {
      // Read one byte past the threshold to know which way to go.
      while (headBytes <= settings.resumableThreshold) {
        const next = await iterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        head.push(next.value);
        headBytes += next.value.length;
      }
    }
    if (ended) {
      await saveInOneRequest(request, Buffer.concat(head, headBytes));
      return;
    }
    async function* rest(): AsyncGenerator<Buffer> {
      yield* head;
      head.length = 0;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    }
    await resumableUpload(request, Readable.from(rest(), { objectMode: false }));
  } catch (error) {
    counter.destroy();
    throw toS3loError(error, context);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function metadataOf(request: UploadRequest): { contentType?: string } {
  return request.contentType === undefined ? {} : { contentType: request.contentType };
}

async function saveInOneRequest(request: UploadRequest, bytes: Buffer): Promise<void> {
  if (request.signal?.aborted) throw abortError(request.signal);
  const options: SaveOptions = {
    resumable: false,
    validation: 'md5',
    metadata: metadataOf(request),
    ...(request.conditional ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
  };
  await request.handle.bucket.file(request.key).save(bytes, options);
}

async function resumableUpload(request: UploadRequest, source: Readable): Promise<void> {
  const { settings, signal } = request;
  const options: CreateWriteStreamOptions = {
    resumable: true,
    metadata: metadataOf(request),
    ...(settings.chunkSize === undefined ? {} : { chunkSize: settings.chunkSize }),
    ...(request.conditional ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
  };
  const destination = request.handle.bucket.file(request.key).createWriteStream(options);
  await pipelineAsync(source, destination, ...(signal === undefined ? [] : [{ signal }]));
}
