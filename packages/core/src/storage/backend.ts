import type { Readable } from 'node:stream';
import type { S3loError } from '../errors/s3lo-error.js';

/**
 * The storage contract version this core speaks. A backend and its plugin
 * carry the version they implement; core refuses one it does not know
 * (PLUGIN_INCOMPATIBLE, saying whether to upgrade core or the plugin), so the
 * contract can evolve without old plugins failing in obscure ways.
 *
 * The version moves only for a change an existing conformant backend or
 * caller could break on: a new required method or property, or a changed
 * meaning of a method, option or result. A new optional capability (absent
 * means unclaimed, as `pendingUploads`), a new optional method, or a rule
 * written down that conformant backends already followed leaves it as it is.
 * A core speaks exactly one version; a new one comes with a new core minor
 * (major from 1.0) and a matching `@s3lo/backend-conformance` release. The
 * full policy: docs/plugin-authors.md in the repository.
 *
 * A third-party plugin writes the number it implements rather than this
 * constant: rebuilt against a core of a later contract, the number stops
 * compiling (the field's type is this constant's) instead of claiming a
 * contract the code does not implement.
 *
 * @example
 * ```ts
 * import { STORAGE_CONTRACT_VERSION } from '@s3lo/core/storage';
 * if (STORAGE_CONTRACT_VERSION !== 1) throw new Error('this tool was written for storage contract 1');
 * ```
 */
export const STORAGE_CONTRACT_VERSION = 1 as const;

/**
 * Optional features a backend declares. The conformance suite tests every
 * capability a backend claims; core uses a native feature when it is claimed
 * and falls back (or reports UNSUPPORTED) when it is not.
 *
 * `serverSideCopy`, `conditionalCreate` and `presignedGet` are booleans (never
 * absent); claiming `serverSideCopy` requires the `copy` method and claiming
 * `presignedGet` the `presignGet` method. An unclaimed capability's method is
 * absent or throws UNSUPPORTED, writing nothing.
 */
export interface BackendCapabilities {
  /**
   * `copy()` copies an object inside the bucket without the bytes passing
   * through this process: the destination (at any depth, an empty object
   * too) gets the source's bytes, the source stays as it was, an existing
   * destination is overwritten, and a missing source is NOT_FOUND with
   * nothing created.
   */
  readonly serverSideCopy: boolean;
  /**
   * `put(key, body, { ifNoneMatch: '*' })` creates the object only when the
   * key is absent, atomically: of concurrent creators exactly one wins, the
   * others get ALREADY_EXISTS, and the stored bytes are the winner's whole
   * body. A refused create (ALREADY_EXISTS, with or without `size`) leaves
   * the existing object unchanged; a failed one (body error, size mismatch,
   * abort) leaves nothing, so the key can be created afterwards. Without
   * this capability such a put throws UNSUPPORTED, writing nothing, rather
   * than silently overwriting.
   */
  readonly conditionalCreate: boolean;
  /**
   * `presignGet()` returns a URL anyone can GET the object from until it
   * expires: a plain `fetch(url)` answers 200 with the object's bytes, also
   * for keys with spaces, `+` and non-ASCII characters.
   */
  readonly presignedGet: boolean;
  /**
   * `listPendingUploads()` lists the uploads that were started and neither
   * completed nor aborted (S3 multipart uploads, a filesystem's temporary
   * files of interrupted writes: storage that is used, maybe billed, and
   * invisible to `list`), and `abortPendingUpload()` removes one. Optional
   * so that backends written before it keep compiling: absent means false,
   * and the two methods are then absent or throw UNSUPPORTED.
   *
   * With it, a put in flight shows up as a pending upload (with a non-empty
   * `id` and an `initiated` close to now) until it ends; a finished, failed
   * or aborted put leaves none. Pending uploads never appear in `list`.
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

/**
 * One page of pending uploads under the requested prefix, in ascending key
 * order (uploads of one key in the store's order), at most `pageSize` of them.
 */
export interface PendingUploadPage {
  readonly uploads: readonly PendingUpload[];
  /** Pass to the next call to get the next page; absent on the last page. */
  readonly nextToken?: string;
}

/** What a backend knows about one stored object. */
export interface ObjectInfo {
  /** The object's key, relative to the bucket. */
  readonly key: string;
  /** Size in bytes: a non-negative integer. */
  readonly size: number;
  /**
   * When the object was last written (GC's grace period is measured from it):
   * a valid Date, the store's clock at the write (so close to the writer's
   * clock), never earlier for a later write. `list` and `stat` report the
   * same time (to the store's precision, within a second or two).
   */
  readonly lastModified: Date;
}

/** Options every backend call accepts. */
export interface CallOptions {
  /**
   * Cancels the call. A cancelled call rejects with an S3loError ABORTED
   * (not a bare `AbortError`) and leaves no partial object. A signal that has
   * already fired makes every method reject with ABORTED at once, before any
   * request and without reading a put's body.
   */
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
   * Read only part of the object. A range starting at or past the end, a
   * `length` of 0 and any range of an empty object yield an empty stream; a
   * range running past the end is cut at the end. A range of a missing key is
   * NOT_FOUND.
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
   * (shorter, longer, or empty) fails with SIZE_MISMATCH and leaves no
   * object, and an object already under the key unchanged. Omit it for
   * streams of unknown length: a put must work without it too.
   */
  readonly size?: number;
  /** Content type recorded with the object where the store keeps one. */
  readonly contentType?: string;
  /**
   * `'*'`: create only if the key does not exist (needs the
   * `conditionalCreate` capability); fails with ALREADY_EXISTS otherwise.
   */
  readonly ifNoneMatch?: '*';
  /**
   * Called with the number of body bytes consumed so far: at least once for
   * a non-empty body, never decreasing, the last call with the body's whole
   * length (with or without `size`).
   */
  readonly onProgress?: (bytesSoFar: number) => void;
}

/** Options of {@link StorageBackend.list}. */
export interface ListOptions extends CallOptions {
  /**
   * Only keys that start with this string, compared as text: `blobs/sha256/ab`
   * selects `blobs/sha256/ab12...`, not only a "directory". Checked with
   * `assertValidPrefix`: an invalid prefix is INVALID_KEY.
   */
  readonly prefix?: string;
  /**
   * Group keys that contain this string after the prefix into one common
   * prefix each (the key up to and including the first delimiter after the
   * prefix), as S3 does: a key at any depth below falls into its group, and
   * each common prefix appears once in the whole listing. Without a
   * delimiter no common prefixes are returned.
   */
  readonly delimiter?: string;
  /**
   * The most entries (objects plus common prefixes) in one page; default and
   * cap 1000 (a larger value is cut to 1000), so more than 1000 keys take
   * more than one page.
   */
  readonly pageSize?: number;
  /**
   * The `nextToken` of the previous page. A token is a stateless cursor:
   * using one twice gives the same page, which starts right after the last
   * entry of the page that issued it.
   */
  readonly continuationToken?: string;
}

/**
 * One page of a listing. Objects and common prefixes together are in
 * ascending UTF-8 byte order (not JavaScript's UTF-16 order: `\u{1F600}` sorts
 * after `\uFFFD`), without repeats, within the page and across pages: each
 * page's entries sort after the previous page's. An empty bucket or prefix
 * gives one page with empty arrays and no `nextToken`.
 */
export interface ListPage {
  readonly objects: readonly ObjectInfo[];
  /** With a delimiter: the grouped prefixes on this page, in order. */
  readonly commonPrefixes: readonly string[];
  /**
   * Pass to the next call to get the next page; absent on the last page.
   * When present, a non-empty string other than the token this page was
   * asked with. A page may be empty and still carry one, but not more than
   * a few in a row (the suite allows 10).
   */
  readonly nextToken?: string;
}

/** The outcome of {@link StorageBackend.deleteMany}. */
export interface DeleteResult {
  /** Keys that no longer exist (including those that did not exist to begin with). */
  readonly deleted: readonly string[];
  /** Keys that could not be deleted, each with why (an S3loError: PERMISSION_DENIED, BACKEND_ERROR, ...). */
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
 * Details every backend follows (the conformance suite,
 * `@s3lo/backend-conformance`, checks each of them unless marked otherwise):
 * - Keys: every method checks every key it is given with `assertValidKey`
 *   (a listing prefix with `assertValidPrefix`) before any request, and
 *   refuses an invalid one with INVALID_KEY: a put before reading its body,
 *   `deleteMany` before deleting any key of the batch. Valid keys round trip
 *   unchanged through put, get, stat, list, copy and deleteMany, including
 *   spaces, `+`, `%`, `#`, `?`, `&`, `=`, leading dots and non-ASCII text.
 * - Objects, not directories: a key that is only the prefix of other keys
 *   (`a` while `a/b` exists) and a key below an object (`a/b` while `a` is an
 *   object) are NOT_FOUND. A store that cannot hold both `a` and `a/b` (a
 *   filesystem) refuses the second with INVALID_KEY and leaves the first
 *   unchanged; the bucket format never needs both.
 * - An S3loError raised by a put's body (a digest verifier's DIGEST_MISMATCH)
 *   is rethrown unchanged; any other body error still rejects with an
 *   S3loError (BACKEND_ERROR with the body's error as `cause`).
 * - Cancellation: a fired signal rejects with an S3loError ABORTED (see
 *   {@link CallOptions.signal}); a get stream whose signal fires while it is
 *   read errors with an abort error (see `isAbortError`) before its end.
 * - Concurrent non-conditional puts of one key leave one writer's whole
 *   content, never a mix (a store that writes in place, like s3rver, is a
 *   store defect the suite's `storeDefects` can name).
 * - Not checked by the suite: negative or fractional ranges, sizes and page
 *   sizes, and continuation tokens the backend did not issue, are
 *   INVALID_ARGUMENT. These checks are shared in `@s3lo/core/storage`:
 *   `assertValidRange`, `assertPutOptions`, `listArguments`,
 *   `pageSizeArgument`, `assertPresignLifetime`; tokens bound to their
 *   listing come from `encodeListToken` and `decodeListToken`.
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
  /** The reference scheme this backend serves (`local`, `s3`, ...): a non-empty string. */
  readonly scheme: string;
  /** The bucket (container, directory) this backend instance is bound to. */
  readonly bucket: string;
  readonly capabilities: BackendCapabilities;

  /**
   * Streams an object's bytes (or a range of them) as a `node:stream`
   * `Readable`. Missing key: NOT_FOUND, raised before the stream is returned
   * (the promise rejects; a stream that only errors later is wrong).
   *
   * The stream must really stream: bytes come from the store as they are
   * read, never the whole object first, so memory stays bounded for any
   * size and an abort while reading stops the stream early, erroring it with
   * an abort error instead of delivering the rest.
   */
  get(key: string, options?: GetOptions): Promise<Readable>;
  /**
   * Writes an object from a stream or bytes (`Readable`, any
   * `AsyncIterable<Uint8Array>`, `Uint8Array` or `Buffer`, with or without
   * {@link PutOptions.size}), 0 bytes included. A backend of a remote store
   * sends the body as it reads it (in bounded parts), so a body of any length
   * passes without being held whole in memory. A put over an existing key
   * replaces it (unless conditional).
   *
   * The object appears whole or not at all: a body that errors, an abort, or
   * a size mismatch leaves no object (and no pending multipart upload)
   * behind, and leaves an object already under the key unchanged.
   */
  put(key: string, body: PutBody, options?: PutOptions): Promise<void>;
  /** Key, size and last-modified time of an object (`key` is the key asked for). Missing key: NOT_FOUND. */
  stat(key: string, options?: CallOptions): Promise<ObjectInfo>;
  /**
   * One page of keys in ascending UTF-8 byte order (see {@link ListPage}),
   * each object with the size and lastModified that `stat` reports. Never
   * lists pending uploads.
   */
  list(options?: ListOptions): Promise<ListPage>;
  /**
   * Deletes exactly the keys given (never what lies under them as a prefix),
   * any number in one call (more than 1000 too: the backend batches).
   * Missing keys are not an error: they are reported in `deleted`.
   * `deleteMany([])` returns empty lists.
   *
   * Every key is checked first: one invalid key anywhere in the batch
   * rejects the whole call with INVALID_KEY before anything is deleted. A
   * valid key the store fails to delete (a permission, a directory in the
   * way) is reported in `failed` with an S3loError, not thrown, and the
   * other keys are still deleted and reported in `deleted`.
   */
  deleteMany(keys: readonly string[], options?: CallOptions): Promise<DeleteResult>;
  /**
   * Server-side copy inside this bucket (capability `serverSideCopy`; see
   * {@link BackendCapabilities.serverSideCopy}). Missing source: NOT_FOUND,
   * nothing created. An existing destination is overwritten.
   */
  copy?(sourceKey: string, destinationKey: string, options?: CallOptions): Promise<void>;
  /** A URL to GET the object without credentials (capability `presignedGet`; see {@link BackendCapabilities.presignedGet}). */
  presignGet?(key: string, options: PresignOptions): Promise<string>;
  /**
   * One page of the uploads started and neither completed nor aborted
   * (capability `pendingUploads`). An upload in flight in this or another
   * process is listed too: only its age tells an abandoned one. Filtered by
   * `prefix`, in key order, at most `pageSize` per page.
   */
  listPendingUploads?(options?: ListPendingUploadsOptions): Promise<PendingUploadPage>;
  /**
   * Aborts a pending upload and frees what it stored (capability
   * `pendingUploads`). A write still running on it then fails with
   * BACKEND_ERROR; no object appears and none is changed. An upload that is gone already (completed
   * or aborted meanwhile) is not an error: aborting the same upload twice succeeds.
   */
  abortPendingUpload?(upload: Pick<PendingUpload, 'key' | 'id'>, options?: CallOptions): Promise<void>;
  /** Releases connections, file handles, timers. The backend is unusable afterwards. */
  close?(): Promise<void>;
}
