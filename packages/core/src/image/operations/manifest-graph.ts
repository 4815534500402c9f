import type { Digest } from '../../digest/digest.js';
import { isAbortError } from '../../errors/abort.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { MAX_MANIFEST_BYTES, parseManifestDocument } from '../../oci/parse-manifest.js';
import type { ImageManifest, ManifestDocument } from '../../oci/types.js';
import { readAllCapped } from '../../storage/body.js';
import type { BucketStore } from '../bucket-store.js';

/**
 * Indexes nest at most this deep below a tag. Writers never nest them (the
 * store refuses to), but a bucket copied from elsewhere might; deeper than
 * this is treated as corrupt.
 */
export const MAX_INDEX_DEPTH = 4;

/** The bytes of any object that holds a manifest (a tag object), capped like a manifest. */
export async function readManifestObject(store: BucketStore, key: string, signal: AbortSignal | undefined): Promise<Buffer> {
  return readAllCapped(await store.backend.get(key, { signal }), MAX_MANIFEST_BYTES, `manifest ${key}`);
}

/** Config plus layer sizes, as the manifest's descriptors state them. */
export function manifestSize(manifest: ImageManifest): number {
  return manifest.layers.reduce((sum, layer) => sum + layer.size, manifest.config.size);
}

/**
 * An error saying where something went wrong, keeping the original code
 * (NOT_FOUND, DIGEST_MISMATCH, INVALID_MANIFEST, ...), details, hint and
 * cause. Aborts pass through unchanged.
 */
export function inContext(error: unknown, context: string, details: Record<string, unknown> = {}, hint?: string): unknown {
  if (isAbortError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (!S3loError.isInstance(error)) return new S3loError(ErrorCode.BACKEND_ERROR, `${context}: ${message}`, { cause: error, details, hint });
  return new S3loError(error.code, `${context}: ${message}`, { cause: error, details: { ...error.details, ...details }, hint: hint ?? error.hint });
}

/**
 * The manifests reachable from tags, with every child manifest read from
 * `blobs/sha256/` once (verified against its digest) and remembered, since
 * many tags share children.
 */
export class ManifestGraph {
  readonly #store: BucketStore;
  readonly #signal: AbortSignal | undefined;
  readonly #children = new Map<Digest, Promise<ManifestDocument>>();
  /** Children whose blobs {@link mark} has already added (to whichever set it was given). */
  readonly #marked = new Set<Digest>();

  constructor(store: BucketStore, signal: AbortSignal | undefined) {
    this.#store = store;
    this.#signal = signal;
  }

  /** A child manifest (or nested index) stored as a blob: read, verified, parsed. */
  readChild(digest: Digest): Promise<ManifestDocument> {
    let child = this.#children.get(digest);
    if (child === undefined) {
      child = this.#store
        .readBlob(digest, MAX_MANIFEST_BYTES, { signal: this.#signal })
        .then((bytes) => parseManifestDocument(bytes))
        .catch((error: unknown) => {
          throw inContext(error, `child manifest ${digest}`, { digest });
        });
      this.#children.set(digest, child);
    }
    return child;
  }

  /**
   * Adds to `marked` every digest `document` reaches: config and layers; for
   * an index each child and, recursively, what the child reaches. Use one
   * set per graph: children visited before are not walked again.
   */
  async mark(document: ManifestDocument, marked: Set<Digest>, depth = 0): Promise<void> {
    if (document.kind === 'manifest') {
      marked.add(document.manifest.config.digest);
      for (const layer of document.manifest.layers) marked.add(layer.digest);
      return;
    }
    checkDepth(depth);
    for (const child of document.index.manifests) {
      marked.add(child.digest);
      // A child already visited had its own blobs marked then.
      if (this.#marked.has(child.digest)) continue;
      await this.mark(await this.readChild(child.digest), marked, depth + 1);
      this.#marked.add(child.digest);
    }
  }

  /**
   * Config plus layer sizes of a manifest; for an index, the sum over its
   * child manifests (each child counted in full, as the stats rules say).
   */
  async logicalSize(document: ManifestDocument, depth = 0): Promise<number> {
    if (document.kind === 'manifest') return manifestSize(document.manifest);
    checkDepth(depth);
    let total = 0;
    for (const child of document.index.manifests) total += await this.logicalSize(await this.readChild(child.digest), depth + 1);
    return total;
  }
}

function checkDepth(depth: number): void {
  if (depth >= MAX_INDEX_DEPTH) {
    throw new S3loError(ErrorCode.INVALID_MANIFEST, `indexes are nested more than ${MAX_INDEX_DEPTH} deep`);
  }
}
