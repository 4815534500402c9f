/** The S3 servers this package can start. */
export type S3ServerKind = 'ceph-rgw' | 's3rver' | 'minio-container';

export const S3_SERVER_KINDS: readonly S3ServerKind[] = ['ceph-rgw', 's3rver', 'minio-container'];

/**
 * What a server really does, where servers differ from AWS S3. Tests branch
 * on these instead of on `kind`, so a new server only has to state its facts.
 */
export interface S3Capabilities {
  /** PutObject with `IfNoneMatch: '*'` answers 412 when the key exists. */
  conditionalCreate: boolean;
  /** ListMultipartUploads lists the uploads in progress under a prefix. */
  listMultipartUploads: boolean;
  /** ListObjectsV2 applies MaxKeys when a Delimiter is given (keys + common prefixes <= MaxKeys). */
  delimiterWithMaxKeys: boolean;
}

export const CAPABILITIES: Readonly<Record<S3ServerKind, Readonly<S3Capabilities>>> = {
  // Checked by this package's tests (test/servers.test.ts).
  'ceph-rgw': { conditionalCreate: true, listMultipartUploads: true, delimiterWithMaxKeys: true },
  // Checked by this package's tests: s3rver ignores IfNoneMatch, has no
  // ListMultipartUploads and ignores MaxKeys when a Delimiter is given.
  s3rver: { conditionalCreate: false, listMultipartUploads: false, delimiterWithMaxKeys: false },
  // Not checked here (no Docker engine on CI). MinIO enforces If-None-Match
  // and MaxKeys with Delimiter; its ListMultipartUploads has listed only the
  // uploads of one exact key, so it does not count as supported.
  'minio-container': { conditionalCreate: true, listMultipartUploads: false, delimiterWithMaxKeys: true },
};

/** Connection facts of a running server; plain data (it crosses process boundaries via vitest's provide/inject). */
export interface S3ServerInfo {
  kind: S3ServerKind;
  /** `http://127.0.0.1:PORT` (a container's mapped host and port for MinIO). Use path-style addressing. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  capabilities: S3Capabilities;
  /** The server's temp dir (config, data, logs), when it runs as local processes. Removed by stop(). */
  dir?: string;
}

export interface S3TestServer extends S3ServerInfo {
  /** Creates a bucket (a fresh unique name when none is given) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /**
   * Stops the server and removes its temp dir. Idempotent. On servers handed
   * to test files by the global setup it does nothing: the setup owns them.
   */
  stop(): Promise<void>;
}

/** Options every start function takes. */
export interface StartOptions {
  /** Parent of the server's temp dir (default: the OS temp dir). */
  tmpDir?: string;
  /** Bound on the whole startup (default 60 s for Ceph, 20 s for s3rver, 180 s for containers). */
  startTimeoutMs?: number;
  /** Progress lines (default: nothing). */
  log?: (line: string) => void;
}
