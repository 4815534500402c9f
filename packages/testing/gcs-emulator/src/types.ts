/**
 * What a GCS test server can do. The tests read this instead of knowing the
 * server: a group the server cannot do is skipped with the reason given
 * here, which shows in the test output.
 */
export interface GcsServerCapabilities {
  /**
   * `ifGenerationMatch` preconditions are enforced (a create with
   * `ifGenerationMatch: 0` over an existing object is refused with 412).
   */
  readonly preconditions: boolean;
  /** Buckets are created and deleted through the API, and a missing bucket answers 404. */
  readonly buckets: boolean;
  /** Resumable uploads in several chunks (`chunkSize`) complete. */
  readonly chunkedResumableUploads: boolean;
  /** Listings come in UTF-8 byte order and page common prefixes with objects (`maxResults` counts both). */
  readonly orderedListings: boolean;
  /** The largest body one upload request may carry, in bytes (undefined: no limit known). */
  readonly maxUploadRequestBytes: number | undefined;
}

/** Why each missing capability is missing, for skip notes. */
export type GcsServerGaps = Readonly<Partial<Record<keyof GcsServerCapabilities, string>>>;

/** A running GCS test server, as the test files see it (serializable). */
export interface GcsServerInfo {
  readonly kind: 'firebase-storage-emulator';
  /** `http://127.0.0.1:PORT`: what STORAGE_EMULATOR_HOST or `apiEndpoint` take. */
  readonly endpoint: string;
  readonly projectId: string;
  readonly capabilities: GcsServerCapabilities;
  readonly gaps: GcsServerGaps;
}

/** A server this process started. */
export interface GcsTestServer extends GcsServerInfo {
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}
