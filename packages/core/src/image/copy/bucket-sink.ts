import type { Readable } from 'node:stream';
import type { Digest } from '../../digest/digest.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import type { BucketImageReference } from '../../ref/bucket-image-reference.js';
import type { Descriptor } from '../../oci/types.js';
import type { CallOptions } from '../../storage/backend.js';
import type { BucketStore } from '../bucket-store.js';
import { waitForGcRuns, type GcWaitEvent } from '../gc-runs.js';
import { writeLease, type PushLease } from '../leases.js';
import type { Clock } from '../protocol-clock.js';
import type { ImageSink, ManifestBytes, SinkOutcome, TransferOptions } from '../transport.js';

/** Options of a bucket destination: how a push (a copy into a bucket) holds its lease and waits for GC runs. */
export interface BucketSinkOptions {
  /**
   * Told when the push waits for a garbage collection before writing its
   * tag (which run, since when, until when), when it stops waiting, and
   * about GC markers it does not obey (unreadable) or obeys only up to the
   * protocol's limit (capped). See `GcWaitEvent` and `gc-runs.ts`.
   */
  readonly onGcWait?: (event: GcWaitEvent) => void;
  /**
   * Lifetime of each write of the push lease: a killed push's blobs are
   * protected this long after its last renewal.
   * @default 900_000 (15 minutes)
   */
  readonly leaseTtlMs?: number;
  /** How often the push renews its lease while it runs. @default leaseTtlMs / 3 */
  readonly leaseRenewMs?: number;
  /** How often to look again while waiting for a GC run. @default 1000 */
  readonly gcPollMs?: number;
  /** The clock of the lease and the GC wait (tests move it instead of waiting). @default the system clock */
  readonly clock?: Clock;
  /**
   * Write the tag even when the bucket's `s3lo.yaml` marks the image
   * immutable and the tag holds another image.
   * @default false
   */
  readonly force?: boolean;
}

/**
 * A bucket tag as a copy destination. Blobs land under their digest, verified
 * by the store while they stream; the tag is written last by
 * {@link BucketStore.writeTag}, which re-checks every blob first. A push
 * lease taken in `begin`, renewed while the copy runs, keeps a concurrent
 * GC away from the image's blobs until `close`; the tag is written only
 * while that lease is held without a gap (see `leases.ts`).
 */
export class BucketImageSink implements ImageSink {
  readonly description: string;
  readonly verifiesBlobs = true;
  #lease: PushLease | undefined;

  /** Writes to `location`, which must name a tag: a digest alone is refused (INVALID_REFERENCE). */
  constructor(
    readonly store: BucketStore,
    readonly location: BucketImageReference,
    readonly options: BucketSinkOptions = {},
  ) {
    if (location.tag === undefined) {
      throw new S3loError(ErrorCode.INVALID_REFERENCE, `${location.toString()} names a digest; a destination needs a tag`, {
        hint: `write it as ${location.scheme}://${location.bucket}/${location.image}:<tag>`,
      });
    }
    this.description = location.toString();
  }

  /** The bucket's policy, before any blob moves: an immutable tag holding another image is refused (see {@link BucketStore.checkTagWrite}). */
  async checkCommit(manifest: ManifestBytes, options: CallOptions = {}): Promise<void> {
    await this.store.checkTagWrite(this.location.image, this.location.tag as string, manifest.digest, { signal: options.signal, force: this.options.force, reference: this.description });
  }

  async begin(digests: readonly Digest[], options: CallOptions = {}): Promise<void> {
    const { leaseTtlMs, leaseRenewMs, clock } = this.options;
    this.#lease = await writeLease(this.store, digests, { signal: options.signal, ttlMs: leaseTtlMs, renewEveryMs: leaseRenewMs, clock });
  }

  async hasBlob(descriptor: Descriptor, options: CallOptions = {}): Promise<boolean> {
    const info = await this.store.statBlob(descriptor.digest, options);
    // A blob of the wrong size under a content address is corrupt: rewrite it.
    return info !== undefined && info.size === descriptor.size;
  }

  /** Hashes the stored blob (streamed); see {@link ImageSink.checkBlob}. */
  async checkBlob(descriptor: Descriptor, options: TransferOptions = {}): Promise<'sound' | 'corrupt' | 'absent'> {
    const stored = await this.store.hashBlob(descriptor.digest, options);
    if (stored === undefined) return 'absent';
    return stored.digest === descriptor.digest && stored.size === descriptor.size ? 'sound' : 'corrupt';
  }

  async writeBlob(descriptor: Descriptor, content: Readable, options: TransferOptions = {}): Promise<void> {
    await this.store.putBlob(descriptor.digest, descriptor.size, content, options);
  }

  async writeChildManifest(descriptor: Descriptor, bytes: Buffer, options: CallOptions = {}): Promise<void> {
    if (await this.hasBlob(descriptor, options)) return;
    await this.store.putBlob(descriptor.digest, descriptor.size, bytes, options);
  }

  /**
   * The other half of the GC handshake (see `gc-runs.ts`): wait until no GC
   * run is active, then report the blobs that are gone (deleted by a run
   * that was active, or by one that ran entirely while we copied) so the
   * copy writes them again before the tag. Any run starting after the wait
   * sees this push's lease: renewed right before the wait, so that a lease
   * that lapsed fails the push here rather than after the wait.
   */
  async beforeCommit(digests: readonly Digest[], options: CallOptions = {}): Promise<readonly Digest[]> {
    if (this.#lease !== undefined) {
      await this.#lease.renew(options);
      this.#lease.assertHeld();
    }
    const { onGcWait, gcPollMs, clock } = this.options;
    await waitForGcRuns(this.store, { signal: options.signal, onGcWait, pollMs: gcPollMs, clock });
    const missing: Digest[] = [];
    for (const digest of digests) {
      if ((await this.store.statBlob(digest, options)) === undefined) missing.push(digest);
    }
    return missing;
  }

  async commit(manifest: ManifestBytes, options: CallOptions = {}): Promise<void> {
    // A lease that lapsed since beforeCommit (renewals failing meanwhile) no longer protects the blobs just checked.
    this.#lease?.assertHeld();
    await this.store.writeTag(this.location.image, this.location.tag as string, manifest.bytes, { signal: options.signal, force: this.options.force, reference: this.description });
  }

  async close(_outcome: SinkOutcome): Promise<void> {
    try {
      await this.#lease?.release();
    } finally {
      await this.store.close();
    }
  }
}
