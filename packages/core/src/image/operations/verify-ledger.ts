import type { Digest } from '../../digest/digest.js';
import { S3loError } from '../../errors/s3lo-error.js';
import { compareUtf8 } from './compare.js';
import type { BrokenTag, CorruptBlob, DanglingTag, MissingBlob, UnreadableManifest } from './verify-result.js';

/** What a blob turned out to be when hashed. */
export type BlobVerdict =
  | { readonly status: 'sound'; readonly size: number }
  | { readonly status: 'corrupt'; readonly size: number; readonly actual: Digest }
  | { readonly status: 'missing' };

interface Unreadable {
  readonly key: string;
  readonly digest?: Digest;
  readonly code: string;
  readonly message: string;
  readonly tags: Set<string>;
}

/** The findings of {@link VerifyLedger.findings}, ready for the result. */
export interface Findings {
  readonly danglingTags: DanglingTag[];
  readonly brokenTags: BrokenTag[];
  readonly corruptBlobs: CorruptBlob[];
  readonly missingBlobs: MissingBlob[];
  readonly unreadableManifests: UnreadableManifest[];
}

/**
 * Everything a verify run learns, kept apart from how it is learnt: which
 * tags reference which digest at which declared size, what each hashed blob
 * turned out to be, and which manifests could not be read. The report is
 * derived from these at the end, so a blob shared by many tags is hashed
 * once and still blamed on each of them.
 */
export class VerifyLedger {
  /** Tags checked: `<image>:<tag>` to the digest of its stored bytes. */
  readonly tags = new Map<string, Digest>();
  /** digest -> size a descriptor declares -> tags whose closure holds that descriptor. */
  readonly references = new Map<Digest, Map<number, Set<string>>>();
  readonly verdicts = new Map<Digest, BlobVerdict>();
  readonly #unreadable = new Map<string, Unreadable>();
  manifests = 0;
  blobs = 0;
  bytes = 0;

  /** `tag` reaches `digest` through a descriptor declaring `size`. */
  refer(digest: Digest, size: number, tag: string): void {
    let bySize = this.references.get(digest);
    if (bySize === undefined) this.references.set(digest, (bySize = new Map()));
    let tags = bySize.get(size);
    if (tags === undefined) bySize.set(size, (tags = new Set()));
    tags.add(tag);
  }

  /** Records what a hashed (or absent) blob is. */
  judge(digest: Digest, verdict: BlobVerdict): void {
    this.verdicts.set(digest, verdict);
    if (verdict.status === 'missing') return;
    this.blobs += 1;
    this.bytes += verdict.size;
  }

  /** The manifest at `key` cannot be read or parsed; `tag` reaches it. */
  unreadable(key: string, digest: Digest | undefined, error: unknown, tag: string): void {
    let entry = this.#unreadable.get(key);
    if (entry === undefined) {
      const code = S3loError.isInstance(error) ? error.code : 'BACKEND_ERROR';
      const message = error instanceof Error ? error.message : String(error);
      entry = { key, ...(digest === undefined ? {} : { digest }), code, message, tags: new Set() };
      this.#unreadable.set(key, entry);
    }
    entry.tags.add(tag);
  }

  /** Every tag reaching `digest`, whatever size it declares. */
  tagsReaching(digest: Digest): Set<string> {
    const tags = new Set<string>();
    for (const set of this.references.get(digest)?.values() ?? []) for (const tag of set) tags.add(tag);
    return tags;
  }

  /** The corrupt, missing and unreadable things found, and the tags they break. */
  findings(): Findings {
    const corruptBlobs: CorruptBlob[] = [];
    const missingBlobs: MissingBlob[] = [];
    const broken = new Map<string, { missing: Digest[]; corrupt: Digest[]; unreadable: string[] }>();
    const entry = (tag: string) => {
      let found = broken.get(tag);
      if (found === undefined) broken.set(tag, (found = { missing: [], corrupt: [], unreadable: [] }));
      return found;
    };
    for (const digest of [...this.verdicts.keys()].sort(compareUtf8)) {
      const verdict = this.verdicts.get(digest) as BlobVerdict;
      const declared = this.references.get(digest) ?? new Map<number, Set<string>>();
      const expectedSizes = [...declared.keys()].sort((a, b) => a - b);
      if (verdict.status === 'missing') {
        const tags = sorted(this.tagsReaching(digest));
        for (const tag of tags) entry(tag).missing.push(digest);
        missingBlobs.push({ digest, tags });
      } else if (verdict.status === 'corrupt') {
        const tags = sorted(this.tagsReaching(digest));
        for (const tag of tags) entry(tag).corrupt.push(digest);
        corruptBlobs.push({ digest, problem: 'digest-mismatch', size: verdict.size, actualDigest: verdict.actual, expectedSizes, referenced: declared.size > 0, tags });
      } else if (expectedSizes.some((size) => size !== verdict.size)) {
        const wrong = new Set<string>();
        for (const [size, tags] of declared) if (size !== verdict.size) for (const tag of tags) wrong.add(tag);
        const tags = sorted(wrong);
        for (const tag of tags) entry(tag).corrupt.push(digest);
        corruptBlobs.push({ digest, problem: 'size-mismatch', size: verdict.size, actualDigest: digest, expectedSizes, referenced: true, tags });
      }
    }
    const unreadableManifests: UnreadableManifest[] = [...this.#unreadable.values()].sort((a, b) => compareUtf8(a.key, b.key)).map(({ tags, ...rest }) => ({ ...rest, tags: sorted(tags) }));
    for (const manifest of unreadableManifests) for (const tag of manifest.tags) entry(tag).unreadable.push(manifest.key);

    const brokenTags: BrokenTag[] = [...broken.entries()]
      .sort(([a], [b]) => compareUtf8(a, b))
      .map(([tag, why]) => ({ tag, digest: this.#digestOf(tag), missing: why.missing, corrupt: why.corrupt, unreadable: why.unreadable }));
    const danglingTags: DanglingTag[] = brokenTags.filter((t) => t.missing.length > 0).map(({ tag, digest, missing }) => ({ tag, digest, missing }));
    return { danglingTags, brokenTags, corruptBlobs, missingBlobs, unreadableManifests };
  }

  #digestOf(tag: string): Digest {
    return this.tags.get(tag) as Digest;
  }
}

function sorted(values: Iterable<string>): string[] {
  return [...values].sort(compareUtf8);
}
