import type { Readable } from 'node:stream';
import type { S3loError } from '../errors/s3lo-error.js';

/**
 * The storage contract version this core speaks. A backend and its plugin
 * carry the version they implement; core refuses one it does not know, so the
 * contract can evolve without old plugins failing in obscure ways.
 */
export const STORAGE_CONTRACT_VERSION = 1 as const;

/**
 * Optional features a backend declares. The conformance suite tests every
 * capability a backend claims; core uses a native feature when it is claimed
 * and falls back (or reports UNSUPPORTED) when it is not.
 */
export interface BackendCapabilities {
  /**
   * `copy()` copies an object inside the bucket without the bytes passing
   * through this process.
   */
  readonly serverSideCopy: boolean;
  /**
   * `put(key, body, { ifNoneMatch: '*' })` creates the object only when the
   * key is absent, atomically: of concurrent creators exactly one wins, the
   * others get ALREADY_EXISTS. Without this capability such a put throws
   * UNSUPPORTED rather than silently overwriting.
   */
  readonly conditionalCreate: boolean;
  /** `presignGet()` returns a URL anyone can GET the object from until it expires. */
  readonly presignedGet: boolean;
  /**
   * `listPendingUploads()` lists the uploads that were started and neither
   * completed nor aborted (S3 multipart uploads, a filesystem's temporary
   * files of interrupted writes: storage that is used, maybe billed, and
   * invisible to `list`), and `abortPendingUpload()` removes one. Optional
   * so that backends written before it keep compiling: absent means false,
   * and the two methods are then absent or throw UNSUPPORTED.
   */
  readonly pendingUploads?: boolean;
}

/** An upload that was started and neither completed nor aborted (capability `pendingUploads`). */
export interface PendingUpload {
  /**
   * The key the upload writes. Where the store cannot tell (a local
   * temporary file whose name was too long to carry it), the prefix of the
   * directory it writes into, ending in `/`.
   */
  readonly key: string;
  /** What names the upload to {@link StorageBackend.abortPendingUpload}: S3's UploadId, a temporary file's path. */
  readonly id: string;
  /**
   * When the upload began, or where the store keeps no start time, when it
   * last wrote (a filesystem's mtime, which keeps an upload still writing
   * young). Age decides whether an upload is abandoned: a young one may
   * belong to a write still running.
   */
  readonly initiated: Date;
}

/** Options of {@link StorageBackend.listPendingUploads}. */
export interface ListPendingUploadsOptions extends CallOptions {
  /** Only uploads whose key starts with this string. */
  readonly prefix?: string;
  /** The most uploads in one page; default and cap 1000. */
  readonly pageSize?: number;
  /** The `nextToken` of the previous page. */
  readonly continuationToken?: string;
}

/** One page of pending uploads, in ascending key order (uploads of one key in the store's order). */
export interface PendingUploadPage {
  readonly uploads: readonly PendingUpload[];
  /** Pass to the next call to get the next page; absent on the last page. */
  readonly nextToken?: string;
}

/** What a backend knows about one stored object. */
export interface ObjectInfo {
  /** The object's key, relative to the bucket. */
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** When the object was last written (GC's grace period is measured from it). */
  readonly lastModified: Date;
}

/** Options every backend call accepts. */
export interface CallOptions {
  /** Cancels the call. A cancelled call rejects with an ABORTED error and leaves no partial object. */
  readonly signal?: AbortSignal;
}

/** A byte range: `length` bytes from `offset` (to the end when `length` is omitted). */
export interface ByteRange {
  readonly offset: number;
  readonly length?: number;
}

/** Options of {@link StorageBackend.get}. */
export interface GetOptions extends CallOptions {
  /**
   * Read only part of the object. A range starting at or past the end yields
   * an empty stream; a range running past the end is cut at the end.
   */
  readonly range?: ByteRange;
}

/** The body of a put: a stream of bytes or bytes already in memory. */
export type PutBody = Readable | AsyncIterable<Uint8Array> | Uint8Array;

/** Options of {@link StorageBackend.put}. */
export interface PutOptions extends CallOptions {
  /**
   * The exact length of the body when known. Backends may use it to pick a
   * single request over a multipart upload; a body of a different length
   * fails with SIZE_MISMATCH and leaves no object. Omit it for streams of
   * unknown length.
   */
  readonly size?: number;
  /** Content type recorded with the object where the store keeps one. */
  readonly contentType?: string;
  /**
   * `'*'`: create only if the key does not exist (needs the
   * `conditionalCreate` capability); fails with ALREADY_EXISTS otherwise.
   */
  readonly ifNoneMatch?: '*';
  /** Called with the number of body bytes consumed so far. */
  readonly onProgress?: (bytesSoFar: number) => void;
}

/** Options of {@link StorageBackend.list}. */
export interface ListOptions extends CallOptions {
  /** Only keys that start with this string. */
  readonly prefix?: string;
  /**
   * Group keys that contain this string after the prefix into one common
   * prefix each (the key up to and including the delimiter), as S3 does.
   */
  readonly delimiter?: string;
  /** The most entries (objects plus common prefixes) in one page; default and cap 1000. */
  readonly pageSize?: number;
  /** The `nextToken` of the previous page. */
  readonly continuationToken?: string;
}

/** One page of a listing, in ascending key order (UTF-8 byte order). */
export interface ListPage {
  readonly objects: readonly ObjectInfo[];
  /** With a delimiter: the grouped prefixes on this page, in order. */
  readonly commonPrefixes: readonly string[];
  /** Pass to the next call to get the next page; absent on the last page. */
  readonly nextToken?: string;
}

/** The outcome of {@link StorageBackend.deleteMany}. */
export interface DeleteResult {
  /** Keys that no longer exist (including those that did not exist to begin with). */
  readonly deleted: readonly string[];
  /** Keys that could not be deleted, each with why. */
  readonly failed: readonly { readonly key: string; readonly error: S3loError }[];
}

/** Options of {@link StorageBackend.presignGet}. */
export interface PresignOptions extends CallOptions {
  /** How long the URL stays valid, in seconds. */
  readonly expiresInSeconds: number;
}

/**
 * One bucket of one object store: the contract every storage plugin
 * implements (version {@link STORAGE_CONTRACT_VERSION}).
 *
 * Keys are relative, `/`-separated strings (see the bucket format). Every
 * method rejects with an {@link S3loError}: NOT_FOUND for a missing object
 * (and, from reads of a bucket that does not exist, a NOT_FOUND that says so
 * with `details.missing === 'bucket'`: see `bucketNotFound`),
 * ALREADY_EXISTS for a lost conditional create, ABORTED when the signal fired,
 * INVALID_KEY for a key the store cannot hold safely, UNSUPPORTED for a
 * capability the backend does not have, BACKEND_ERROR (with `cause`) for the
 * rest. Absence is decided from the store's status codes, never from text.
 *
 * Details every backend follows (the conformance suite checks them):
 * - An S3loError raised by a put's body (a digest verifier's DIGEST_MISMATCH)
 *   is rethrown unchanged; other body errors may be wrapped as BACKEND_ERROR.
 * - Negative or fractional ranges, sizes and page sizes, and continuation
 *   tokens the backend did not issue, are INVALID_ARGUMENT.
 * - A page may be empty and still carry a `nextToken`; callers keep paging.
 * - A store that cannot hold both `a` and `a/b` (a filesystem) refuses the
 *   second with INVALID_KEY; the bucket format never needs both.
 * - A get stream whose signal fires while it is read errors with an abort
 *   error (see `isAbortError`).
 *
 * @example
 * ```ts
 * const backend = await resolveBackend(ref.parse('local://./store/app:v1'));
 * await backend.put('hello.txt', Buffer.from('hi'), { signal });
 * const info = await backend.stat('hello.txt', { signal }); // { size: 2, ... }
 * ```
 */
export interface StorageBackend {
  /** The contract version implemented; always {@link STORAGE_CONTRACT_VERSION} for this core. */
  readonly contractVersion: typeof STORAGE_CONTRACT_VERSION;
  /** The reference scheme this backend serves (`local`, `s3`, ...). */
  readonly scheme: string;
  /** The bucket (container, directory) this backend instance is bound to. */
  readonly bucket: string;
  readonly capabilities: BackendCapabilities;

  /** Streams an object's bytes (or a range of them). Missing key: NOT_FOUND, raised before the stream is returned. */
  get(key: string, options?: GetOptions): Promise<Readable>;
  /**
   * Writes an object from a stream or bytes. The object appears whole or not
   * at all: a body that errors, an abort, or a size mismatch leaves no object
   * (and no pending multipart upload) behind.
   */
  put(key: string, body: PutBody, options?: PutOptions): Promise<void>;
  /** Size and last-modified time of an object. Missing key: NOT_FOUND. */
  stat(key: string, options?: CallOptions): Promise<ObjectInfo>;
  /** One page of keys in ascending order. */
  list(options?: ListOptions): Promise<ListPage>;
  /** Deletes keys. Missing keys are not an error; per-key failures are reported, not thrown. */
  deleteMany(keys: readonly string[], options?: CallOptions): Promise<DeleteResult>;
  /** Server-side copy inside this bucket (capability `serverSideCopy`). Missing source: NOT_FOUND. */
  copy?(sourceKey: string, destinationKey: string, options?: CallOptions): Promise<void>;
  /** A URL to GET the object without credentials (capability `presignedGet`). */
  presignGet?(key: string, options: PresignOptions): Promise<string>;
  /**
   * One page of the uploads started and neither completed nor aborted
   * (capability `pendingUploads`). An upload in flight in this or another
   * process is listed too: only its age tells an abandoned one.
   */
  listPendingUploads?(options?: ListPendingUploadsOptions): Promise<PendingUploadPage>;
  /**
   * Aborts a pending upload and frees what it stored (capability
   * `pendingUploads`). A write still running on it then fails with
   * BACKEND_ERROR; no object appears and none is changed. An upload that is gone already (completed
   * or aborted meanwhile) is not an error.
   */
  abortPendingUpload?(upload: Pick<PendingUpload, 'key' | 'id'>, options?: CallOptions): Promise<void>;
  /** Releases connections, file handles, timers. The backend is unusable afterwards. */
  close?(): Promise<void>;
}
