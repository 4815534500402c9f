import type { GcRunFigures, PendingUploadFigures } from './gc-leftovers.js';
import type { Digest } from '../../digest/digest.js';

/**
 * The shape of {@link verify}'s result: plain JSON (strings, numbers,
 * booleans, arrays, `null`), every field always present, every list sorted
 * (digests and tags in UTF-8 byte order), so it can be printed with
 * `JSON.stringify` and compared between runs.
 *
 * Tags are named `<image>:<tag>` (`team/app:v1`), without the bucket.
 * @module
 */

/** Which part of the bucket was verified. */
export type VerifyScope =
  /** The whole bucket: every tag, and every blob under `blobs/sha256/`, referenced or not. */
  | 'bucket'
  /** The tags of the images under a name filter (`s3://b/team/`) and the blobs they reach. */
  | 'images'
  /** One tag (`s3://b/team/app:v1`), or the tags holding a digest (`s3://b/team/app@sha256:...`), and the blobs they reach. */
  | 'image';

/** A tag whose image cannot be pulled because a blob it reaches is not in the bucket. */
export interface DanglingTag {
  /** `<image>:<tag>` */
  readonly tag: string;
  /** The image digest: sha256 of the tag's stored bytes. */
  readonly digest: Digest;
  /** The digests it reaches that are missing (child manifests, configs, layers). */
  readonly missing: Digest[];
}

/** A tag whose image cannot be pulled as stored, and why. */
export interface BrokenTag {
  /** `<image>:<tag>` */
  readonly tag: string;
  readonly digest: Digest;
  /** Blobs it reaches that are not in the bucket. */
  readonly missing: Digest[];
  /** Blobs it reaches that are corrupt (see {@link CorruptBlob}). */
  readonly corrupt: Digest[];
  /** Keys of manifests in its closure (its own tag object, child manifests) that cannot be read or parsed. */
  readonly unreadable: string[];
}

/**
 * A stored blob that is not what its references say.
 *
 * - `digest-mismatch`: its bytes do not hash to the digest in its key. The
 *   blob is corrupt; every tag reaching it is broken. `--repair` deletes it.
 * - `size-mismatch`: its bytes are sound (they hash to the key), but a
 *   descriptor that references it states another size, so a pull through
 *   that descriptor fails. The manifest is wrong, not the blob, so it is
 *   never deleted; `tags` lists only the tags whose descriptors are wrong.
 */
export interface CorruptBlob {
  readonly digest: Digest;
  readonly problem: 'digest-mismatch' | 'size-mismatch';
  /** Bytes stored. */
  readonly size: number;
  /** What the stored bytes hash to (equal to `digest` for a size mismatch). */
  readonly actualDigest: Digest;
  /** The sizes the descriptors referencing it state (several when manifests disagree); [] when unreferenced. */
  readonly expectedSizes: number[];
  /** False for a blob no tag in scope reaches (found by a whole-bucket scan). */
  readonly referenced: boolean;
  /** The tags it breaks. */
  readonly tags: string[];
}

/** A blob a tag reaches that is not in the bucket. */
export interface MissingBlob {
  readonly digest: Digest;
  /** The tags it breaks. */
  readonly tags: string[];
}

/** A manifest that cannot be read or parsed, so what it references is unknown. */
export interface UnreadableManifest {
  /** Its key: `manifests/<image>/<tag>/manifest.json` for a tag, `blobs/sha256/<hex>` for a child manifest. */
  readonly key: string;
  /** The child manifest's digest; absent for a tag object. */
  readonly digest?: Digest;
  /** The error code (`INVALID_MANIFEST`, `TOO_LARGE`, ...). */
  readonly code: string;
  readonly message: string;
  /** The tags it breaks. */
  readonly tags: string[];
}

/** Why `repair` did not delete a blob it had found corrupt. */
export type RepairSkipReason =
  /** Re-hashed right before the delete, it was sound: someone wrote the right bytes meanwhile. */
  | 'rewritten'
  /** It was gone when re-checked (a GC, or another repair, removed it). */
  | 'gone'
  /** The store refused the delete (see `message`). */
  | 'delete-failed';

/** What `repair: true` did. */
export interface VerifyRepair {
  /** Corrupt blobs deleted (each re-hashed right before, and still corrupt). */
  readonly deleted: Digest[];
  /** Corrupt blobs left alone, and why. */
  readonly skipped: { readonly digest: Digest; readonly reason: RepairSkipReason; readonly message?: string }[];
  /**
   * Tags that reach a deleted (or vanished) blob: they stay broken (dangling)
   * until the image is pushed again, which uploads the blob anew.
   */
  readonly brokenUntilPush: string[];
}

/** What {@link verify} found (and, with `repair`, did). */
export interface VerifyResult {
  /** The scope verified, as it prints (`s3://b/`, `s3://b/team/`, `s3://b/team/app:v1`). */
  readonly reference: string;
  readonly scope: VerifyScope;
  /** True when nothing is dangling, corrupt, missing or unreadable. Stays false after a repair: the tags are broken until re-pushed. */
  readonly sound: boolean;
  readonly checked: {
    /** Tag objects read. */
    readonly tags: number;
    /** Manifests parsed: tag objects plus child manifests of indexes. */
    readonly manifests: number;
    /** Blobs hashed (child manifests, configs, layers; unreferenced ones in a whole-bucket scan). */
    readonly blobs: number;
    /** Bytes hashed. */
    readonly bytes: number;
  };
  /** Tags reaching a missing blob, with the missing digests. */
  readonly danglingTags: DanglingTag[];
  /** Every tag that cannot be pulled as stored (dangling ones included), with all its reasons. */
  readonly brokenTags: BrokenTag[];
  readonly corruptBlobs: CorruptBlob[];
  readonly missingBlobs: MissingBlob[];
  readonly unreadableManifests: UnreadableManifest[];
  /** What the repair did; `null` unless `repair: true`. */
  readonly repair: VerifyRepair | null;
  /**
   * Leftovers of interrupted work, bucket-wide, so reported only when the
   * whole bucket is verified (`null` otherwise): GC-run markers, push
   * leases, pending uploads. They break no image; `clean --confirm` removes
   * the stale ones.
   */
  readonly leftovers: VerifyLeftovers | null;
}

/** Leftovers of killed GC runs and pushes, as a dry run of `gc` counts them. */
export interface VerifyLeftovers {
  /** GC-run markers: `expired` ones are a killed run's (pushes no longer wait for them); `capped` and `unreadable` ones were planted or damaged. */
  readonly gcRuns: GcRunFigures;
  readonly leases: {
    /** Leases of pushes running now (or killed less than a lease lifetime ago). */
    readonly active: number;
    /** Leases of pushes that died: they protect nothing any more. */
    readonly expired: number;
    readonly expiredKeys: string[];
    /** A lease that cannot be read (GC refuses to run while it stands: delete it if no push is running). */
    readonly unreadable: { readonly key: string; readonly message: string } | null;
  };
  /** Pending uploads (abandoned S3 multipart uploads, a local store's temporary files); `null` when a lease could not be read. */
  readonly uploads: PendingUploadFigures | null;
}
