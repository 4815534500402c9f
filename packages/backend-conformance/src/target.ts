import type { StorageBackend } from '@s3lo/core/storage';

/** A backend bound to a fresh bucket, and how to dispose of that bucket. */
export interface ConformanceBucket {
  readonly backend: StorageBackend;
  /** Removes the bucket (temp directory, emulator container, ...). Runs after every test, pass or fail. */
  readonly cleanup?: () => Promise<void>;
}

/**
 * What {@link describeBackendConformance} runs against.
 *
 * @example
 * ```ts
 * describeBackendConformance({
 *   name: 'local',
 *   async create() {
 *     const dir = await mkdtemp(join(tmpdir(), 's3lo-conformance-'));
 *     return { backend: new LocalBackend(join(dir, 'bucket')), cleanup: () => rm(dir, { recursive: true, force: true }) };
 *   },
 * });
 * ```
 */
export interface ConformanceTarget {
  /** Shown in the suite's name, e.g. `local`. */
  readonly name: string;
  /** A backend bound to a FRESH, EMPTY bucket. Called before every test. */
  create(): Promise<ConformanceBucket>;
  /**
   * Size of the round trip streamed with unknown length. Lower it only for
   * stores where 64 MiB is too slow to upload in CI.
   * @default 64 MiB
   */
  readonly bigObjectSize?: number;
  /**
   * Keys written by the listing and bulk-delete tests; more than 1000 makes
   * the default page size paginate.
   * @default 1100
   */
  readonly manyKeysCount?: number;
  /** Concurrent puts when many keys are written. @default 16 */
  readonly writeConcurrency?: number;
  /** Timeout of an ordinary test (and of each hook), in ms. @default 30_000 */
  readonly timeoutMs?: number;
  /** Timeout of the big-object and many-keys tests, in ms. @default 120_000 */
  readonly slowTimeoutMs?: number;
  /** How far an object's lastModified may be from this machine's clock, in ms. @default 60_000 */
  readonly clockToleranceMs?: number;
  /**
   * Known defects of the store (not of the backend) that make a test of the
   * suite fail whatever the backend does. Each one named here skips exactly
   * that test, with the reason in its name; say in the backend's README why.
   * - `nonAtomicOverwrite`: the store writes an object in place, so
   *   concurrent puts of one key can interleave (s3rver).
   */
  readonly storeDefects?: readonly 'nonAtomicOverwrite'[];
  /**
   * Declared size of the upload the pending-uploads tests hold in flight
   * (only its first MiB is sent): above the backend's multipart threshold,
   * so that a store with multipart uploads starts one.
   * @default 24 MiB
   */
  readonly pendingUploadSize?: number;
  /**
   * Starts an upload of `key` and leaves it unfinished, as a writer killed
   * mid-upload does (S3: CreateMultipartUpload and a part; a filesystem: a
   * temporary file). The interrupted-upload tests of the `pendingUploads`
   * capability run only when this is given.
   */
  leavePendingUpload?(backend: StorageBackend, key: string): Promise<void>;
  /**
   * Arranges that deleting `key` fails (a permission, a directory in the
   * way...) and returns a function that undoes it. The per-key failure test of
   * deleteMany runs only when this is given.
   */
  blockDelete?(backend: StorageBackend, key: string): Promise<() => Promise<void>>;
}

/** {@link ConformanceTarget} with every default filled in. */
export interface ResolvedTarget extends ConformanceTarget {
  readonly bigObjectSize: number;
  readonly manyKeysCount: number;
  readonly writeConcurrency: number;
  readonly timeoutMs: number;
  readonly slowTimeoutMs: number;
  readonly clockToleranceMs: number;
  readonly pendingUploadSize: number;
}

export function resolveTarget(target: ConformanceTarget): ResolvedTarget {
  const resolved: ResolvedTarget = {
    ...target,
    create: () => target.create(),
    bigObjectSize: target.bigObjectSize ?? 64 * 1024 * 1024,
    manyKeysCount: target.manyKeysCount ?? 1100,
    writeConcurrency: target.writeConcurrency ?? 16,
    timeoutMs: target.timeoutMs ?? 30_000,
    slowTimeoutMs: target.slowTimeoutMs ?? 120_000,
    clockToleranceMs: target.clockToleranceMs ?? 60_000,
    pendingUploadSize: target.pendingUploadSize ?? 24 * 1024 * 1024,
  };
  if (!Number.isSafeInteger(resolved.manyKeysCount) || resolved.manyKeysCount < 20) {
    throw new Error(`conformance target ${target.name}: manyKeysCount must be an integer >= 20`);
  }
  return resolved;
}
