import { sha256Digest, type Digest } from '../../digest/digest.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { MAX_MANIFEST_BYTES, parseManifestDocument } from '../../oci/parse-manifest.js';
import type { ManifestDocument } from '../../oci/types.js';
import { readAllCapped } from '../../storage/body.js';
import { blobKey } from '../bucket-layout.js';
import type { BucketStore } from '../bucket-store.js';
import { MAX_INDEX_DEPTH } from './manifest-graph.js';
import type { VerifyLedger } from './verify-ledger.js';

/**
 * A tag object's bytes, or, when it is too large to be a manifest, the
 * error and the digest of what is stored (a tag is still named by it).
 */
export type TagBytes = Buffer | { readonly tooLarge: unknown; readonly digest: Digest };

/** A child manifest as read once for every tag that reaches it. */
type ChildOutcome =
  /** Read, sound, parsed. */
  | { readonly document: ManifestDocument }
  /** Sound but unusable (not a manifest, too large to read whole): reported as unreadable. */
  | { readonly error: unknown }
  /** Missing or corrupt: its verdict is in the ledger; what it references cannot be known. */
  | Record<string, never>;

/**
 * Walks what each tag reaches (config, layers; for an index each child
 * manifest and, recursively, what it reaches), recording every descriptor
 * in the ledger against the tag. Nothing here throws for a broken image:
 * a manifest that cannot be parsed is recorded as unreadable, a child that
 * is missing or does not hash to its digest as such, and the walk goes on.
 * Only store failures (and aborts) propagate.
 *
 * Each child manifest is read once (many tags share them), hashed against
 * its key and judged in the ledger, so the blob pass does not read it again.
 */
export class ClosureWalker {
  readonly #children = new Map<Digest, Promise<ChildOutcome>>();

  constructor(
    readonly store: BucketStore,
    readonly ledger: VerifyLedger,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Records a tag read from `key` holding `bytes`, and everything it reaches. */
  async walkTag(name: string, key: string, bytes: TagBytes): Promise<void> {
    if (!Buffer.isBuffer(bytes)) {
      this.ledger.tags.set(name, bytes.digest);
      this.ledger.unreadable(key, undefined, bytes.tooLarge, name);
      return;
    }
    this.ledger.tags.set(name, sha256Digest(bytes));
    this.ledger.manifests += 1;
    let document: ManifestDocument;
    try {
      document = parseManifestDocument(bytes);
    } catch (error) {
      this.ledger.unreadable(key, undefined, error, name);
      return;
    }
    await this.#walk(document, key, name, 0);
  }

  async #walk(document: ManifestDocument, key: string, name: string, depth: number): Promise<void> {
    if (document.kind === 'manifest') {
      for (const descriptor of [document.manifest.config, ...document.manifest.layers]) this.ledger.refer(descriptor.digest, descriptor.size, name);
      return;
    }
    if (depth >= MAX_INDEX_DEPTH) {
      const error = new S3loError(ErrorCode.INVALID_MANIFEST, `indexes are nested more than ${MAX_INDEX_DEPTH} deep`);
      this.ledger.unreadable(key, undefined, error, name);
      return;
    }
    for (const child of document.index.manifests) {
      this.ledger.refer(child.digest, child.size, name);
      const outcome = await this.#readChild(child.digest);
      const childKey = blobKey(child.digest);
      if ('document' in outcome) await this.#walk(outcome.document, childKey, name, depth + 1);
      else if ('error' in outcome) this.ledger.unreadable(childKey, child.digest, outcome.error, name);
    }
  }

  #readChild(digest: Digest): Promise<ChildOutcome> {
    let outcome = this.#children.get(digest);
    if (outcome === undefined) {
      outcome = this.#read(digest);
      this.#children.set(digest, outcome);
    }
    return outcome;
  }

  async #read(digest: Digest): Promise<ChildOutcome> {
    let bytes: Buffer;
    try {
      bytes = await readAllCapped(await this.store.backend.get(blobKey(digest), { signal: this.signal }), MAX_MANIFEST_BYTES, `child manifest ${digest}`);
    } catch (error) {
      if (S3loError.isInstance(error, ErrorCode.NOT_FOUND)) {
        this.ledger.judge(digest, { status: 'missing' });
        return {};
      }
      // Too large to be a manifest: the blob pass still hashes it, streamed.
      if (S3loError.isInstance(error, ErrorCode.TOO_LARGE)) return { error };
      throw error;
    }
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      this.ledger.judge(digest, { status: 'corrupt', size: bytes.length, actual });
      return {};
    }
    this.ledger.judge(digest, { status: 'sound', size: bytes.length });
    this.ledger.manifests += 1;
    try {
      return { document: parseManifestDocument(bytes) };
    } catch (error) {
      return { error };
    }
  }
}
