import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ErrorCode, S3loError, isAbortError, type Digest } from '@s3lo/core';
import type { ImageSink, ManifestBytes, TransportOpenOptions } from '@s3lo/core/image';
import { MAX_CONFIG_BYTES, isLayerMediaType, layerCompression, parseImageConfig, parseManifestDocument, type Descriptor } from '@s3lo/core/oci';
import type { RegistryReference } from '@s3lo/core/ref';
import { createDecompressor } from '../compression.js';
import { quote } from '../errors.js';
import type { DockerArchiveLocation } from '../locations.js';
import { ArchiveSink, notWritten, prepareSinkFiles } from './archive-sink.js';
import { writeArchiveAtomically } from './archive-target.js';
import type { BlobSpool } from './blob-spool.js';

const SINGLE_IMAGE_HINT = 'a docker archive holds one image per platform: pass a platform (for example --platform linux/amd64) to copy just that image';

/**
 * Opens `docker-archive:<file>[:<name:tag>]` for writing: an archive
 * `docker load` and skopeo read, as skopeo writes it: `manifest.json`
 * (`Config`, `RepoTags` from the name when one is given, `Layers`), the
 * config as `<hex>.json`, and every layer as an uncompressed tar
 * `<diff_id hex>.tar`. Compressed layers are decompressed as they arrive
 * (gzip by `node:zlib`, zstd too from Node 22.15) and checked against the
 * config's diff_ids. One image, one platform: an index is UNSUPPORTED. The
 * archive appears at the target in one rename at `commit`; an existing file
 * is replaced.
 *
 * @example
 * ```ts
 * const sink = await openDockerArchiveSink(ref.parseTransportReference('docker-archive:out.tar:app:v1'));
 * ```
 */
export async function openDockerArchiveSink(location: DockerArchiveLocation, options: TransportOpenOptions = {}): Promise<ImageSink> {
  const repoTags = location.reference === undefined ? [] : [repoTag(location.reference)];
  const { target, spool } = await prepareSinkFiles(location.path, options);
  return new DockerArchiveSink(location, repoTags, target, spool);
}

class DockerArchiveSink extends ArchiveSink {
  readonly description: string;
  /** Not part of the sink contract yet: tells a copy that an index cannot be written here. */
  readonly acceptsIndex = false;
  readonly #repoTags: readonly string[];

  constructor(location: DockerArchiveLocation, repoTags: readonly string[], target: string, spool: BlobSpool) {
    super(target, spool);
    this.#repoTags = repoTags;
    this.description = location.reference === undefined ? `docker-archive:${location.path}` : `docker-archive:${location.path}:${location.reference.familiarString()}`;
  }

  // Layers are stored uncompressed in a docker archive; decompressing on
  // arrival (from the verified spool file, so a corrupt blob reports as a
  // digest mismatch, not as a zlib error) leaves commit only the tar to write.
  protected override async afterBlobWritten(descriptor: Descriptor, digest: Digest, signal: AbortSignal | undefined): Promise<void> {
    const compression = layerCompression(descriptor.mediaType);
    if (compression !== 'gzip' && compression !== 'zstd') return;
    try {
      await this.spool.rewrite(digest, [createDecompressor(compression)], signal);
    } catch (error) {
      if (S3loError.isInstance(error) || isAbortError(error)) throw error;
      throw new S3loError(
        ErrorCode.INVALID_MANIFEST,
        `layer ${digest} is labelled ${descriptor.mediaType} but does not decompress as ${compression}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { digest, mediaType: descriptor.mediaType } },
      );
    }
  }

  async writeChildManifest(): Promise<void> {
    throw indexUnsupported(this.description);
  }

  protected async assemble(manifest: ManifestBytes, signal: AbortSignal | undefined): Promise<void> {
    const document = parseManifestDocument(manifest.bytes);
    if (document.kind === 'index') throw indexUnsupported(this.description);
    const { config, layers } = document.manifest;
    const configBlob = this.spool.get(config.digest);
    if (configBlob === undefined) throw notWritten(config.digest, 'config', this.description);
    if (configBlob.size > MAX_CONFIG_BYTES) {
      throw new S3loError(ErrorCode.TOO_LARGE, `config ${config.digest} is ${configBlob.size} bytes, more than ${MAX_CONFIG_BYTES}`);
    }
    const configBytes = await readFile(configBlob.path);
    const diffIds = parseImageConfig(configBytes).rootfs.diff_ids;
    if (diffIds.length !== layers.length) {
      throw new S3loError(ErrorCode.INVALID_MANIFEST, `the config lists ${diffIds.length} layers (rootfs.diff_ids) and the manifest ${layers.length}`, {
        details: { diffIds: diffIds.length, layers: layers.length },
      });
    }
    // Each layer file is named by its diff_id, as skopeo names them; a layer
    // repeated in the image is stored once and listed twice.
    const files = new Map<Digest, { path: string; size: number }>();
    for (const [i, layer] of layers.entries()) {
      if (!isLayerMediaType(layer.mediaType)) {
        throw new S3loError(
          ErrorCode.UNSUPPORTED,
          `${this.description}: layer ${i + 1} has media type ${quote(layer.mediaType)}, not an image layer; only container images fit a docker archive`,
          {
            details: { digest: layer.digest, mediaType: layer.mediaType },
          },
        );
      }
      const blob = this.spool.get(layer.digest);
      if (blob === undefined) throw notWritten(layer.digest, 'layer', this.description);
      const diffId = diffIds[i] as Digest;
      if (blob.storedDigest !== diffId) {
        throw new S3loError(ErrorCode.DIGEST_MISMATCH, `layer ${i + 1} (${layer.digest}) uncompressed hashes to ${blob.storedDigest}, but the config's diff_id is ${diffId}`, {
          details: { digest: layer.digest, expected: diffId, actual: blob.storedDigest },
        });
      }
      files.set(diffId, blob);
    }
    const hex = (digest: Digest) => digest.slice('sha256:'.length);
    const configName = `${hex(config.digest)}.json`;
    const saveManifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: this.#repoTags, Layers: diffIds.map((id) => `${hex(id)}.tar`) }]));
    await writeArchiveAtomically(
      this.target,
      async (tar) => {
        await tar.file('manifest.json', saveManifest.length, saveManifest);
        await tar.file(configName, configBytes.length, configBytes);
        for (const [diffId, blob] of files) await tar.file(`${hex(diffId)}.tar`, blob.size, createReadStream(blob.path), signal);
      },
      signal,
    );
  }
}

/** The RepoTags entry for a name: Docker's short form, always with its tag (`app:v1`, `ghcr.io/o/app:latest`). */
function repoTag(reference: RegistryReference): string {
  if (reference.tag === undefined || reference.digest !== undefined) {
    throw new S3loError(ErrorCode.INVALID_ARGUMENT, `a docker archive names images by tag, not by digest: ${quote(reference.toString())}`);
  }
  return reference.tagExplicit ? reference.familiarString() : `${reference.familiarString()}:${reference.tag}`;
}

function indexUnsupported(description: string): S3loError {
  return new S3loError(ErrorCode.UNSUPPORTED, `${description}: a docker archive cannot hold a multi-platform image (an index)`, {
    hint: SINGLE_IMAGE_HINT,
  });
}
