import type { Digest } from '../digest/digest.js';
import type { IndexMediaType, ManifestMediaType, MediaType } from './media-types.js';

// These types describe what the parsers in this module have checked. The
// objects they return are the parsed JSON itself, so fields not listed here
// (newer spec fields, Docker extras) are still present at run time; the bytes
// remain the source of truth for anything written back.

/**
 * String-to-string metadata (`org.opencontainers.image.*` and others).
 *
 * @example
 * ```ts
 * const annotations: Annotations = { 'org.opencontainers.image.version': '1.2.3' };
 * ```
 */
export type Annotations = Readonly<Record<string, string>>;

/**
 * The platform an image runs on, as index entries and configs record it.
 *
 * @example
 * ```ts
 * const arm: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
 * ```
 */
export interface Platform {
  /** CPU architecture in Go's spelling: `amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`, ... */
  readonly architecture: string;
  /** Operating system in Go's spelling: `linux`, `windows`, ... */
  readonly os: string;
  /** OS version, used by Windows images (`10.0.17763.1879`). */
  readonly 'os.version'?: string;
  /** Required OS features, used by Windows images (`win32k`). */
  readonly 'os.features'?: readonly string[];
  /** CPU variant: `v6`, `v7`, `v8` for ARM. */
  readonly variant?: string;
  /** Reserved by the OCI spec; kept when present. */
  readonly features?: readonly string[];
}

/**
 * A reference to content by digest: how manifests point at configs and
 * layers, and indexes at manifests.
 *
 * @example
 * ```ts
 * const layer: Descriptor = {
 *   mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
 *   digest: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
 *   size: 3_401_613,
 * };
 * ```
 */
export interface Descriptor {
  readonly mediaType: string;
  /** Always a validated `sha256:` + 64 lowercase hex digest once parsed. */
  readonly digest: Digest;
  /** Size of the referenced content in bytes. */
  readonly size: number;
  /** Alternative download locations (Docker foreign layers). */
  readonly urls?: readonly string[];
  readonly annotations?: Annotations;
  /** Set on index entries: which platform the manifest is for. */
  readonly platform?: Platform;
  /** The artifact type of the referenced manifest, for artifacts. */
  readonly artifactType?: string;
  /** The content itself, base64-encoded, when small enough to embed. */
  readonly data?: string;
}

/**
 * A single-image manifest: OCI image manifest or Docker v2 schema 2 (the two
 * have the same shape; only the media types differ).
 *
 * @example
 * ```ts
 * const manifest: ImageManifest = {
 *   schemaVersion: 2,
 *   mediaType: 'application/vnd.oci.image.manifest.v1+json',
 *   config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 1469 },
 *   layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: 3_401_613 }],
 * };
 * ```
 */
export interface ImageManifest {
  readonly schemaVersion: 2;
  /** Absent in some older OCI manifests; the OCI manifest type is then implied. */
  readonly mediaType?: ManifestMediaType;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  /** The manifest this one refers to (signatures, SBOMs: the referrers API). */
  readonly subject?: Descriptor;
  readonly annotations?: Annotations;
}

/**
 * A multi-platform image: OCI image index or Docker manifest list (same
 * shape, different media types). Each entry of `manifests` normally carries a
 * `platform`.
 *
 * @example
 * ```ts
 * const index: ImageIndex = {
 *   schemaVersion: 2,
 *   mediaType: 'application/vnd.oci.image.index.v1+json',
 *   manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1024,
 *                 platform: { os: 'linux', architecture: 'amd64' } }],
 * };
 * ```
 */
export interface ImageIndex {
  readonly schemaVersion: 2;
  /** Absent in some older OCI indexes; the OCI index type is then implied. */
  readonly mediaType?: IndexMediaType;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Annotations;
}

/**
 * A Docker v2 schema 2 manifest: an {@link ImageManifest} whose media type is
 * always present and Docker's.
 *
 * @example
 * ```ts
 * if (manifest.mediaType === oci.MediaType.DOCKER_MANIFEST) {
 *   const docker: DockerManifest = manifest as DockerManifest;
 * }
 * ```
 */
export type DockerManifest = ImageManifest & { readonly mediaType: typeof MediaType.DOCKER_MANIFEST };

/**
 * A Docker manifest list: an {@link ImageIndex} whose media type is always
 * present and Docker's.
 *
 * @example
 * ```ts
 * const isDockerList = index.mediaType === oci.MediaType.DOCKER_MANIFEST_LIST;
 * ```
 */
export type DockerManifestList = ImageIndex & { readonly mediaType: typeof MediaType.DOCKER_MANIFEST_LIST };

/**
 * What a tag's bytes turned out to be. The parsed value is for reading only:
 * callers keep the bytes, and the digest is `sha256Digest(bytes)`.
 * `mediaType` is the declared one, or the OCI type when the document declares
 * none.
 *
 * @example
 * ```ts
 * const doc = parseManifestDocument(bytes);
 * const children = doc.kind === 'index' ? doc.index.manifests : [];
 * ```
 */
export type ManifestDocument =
  | { readonly kind: 'manifest'; readonly mediaType: ManifestMediaType; readonly manifest: ImageManifest }
  | { readonly kind: 'index'; readonly mediaType: IndexMediaType; readonly index: ImageIndex };

/**
 * How to run the image: the `config` of an image configuration. Docker's
 * container config has more fields; they are kept but not typed here.
 *
 * @example
 * ```ts
 * const entry = [...(config.config?.Entrypoint ?? []), ...(config.config?.Cmd ?? [])];
 * ```
 */
export interface ContainerConfig {
  readonly User?: string;
  /** Keys like `80/tcp`; values are empty objects. */
  readonly ExposedPorts?: Readonly<Record<string, unknown>>;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  /** Keys are paths; values are empty objects. */
  readonly Volumes?: Readonly<Record<string, unknown>>;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>>;
  readonly StopSignal?: string;
  readonly ArgsEscaped?: boolean;
}

/**
 * The layer list of an image config: `diff_ids[i]` is the sha256 of layer i
 * uncompressed.
 *
 * @example
 * ```ts
 * const uncompressedDigest = config.rootfs.diff_ids[0];
 * ```
 */
export interface RootFs {
  /** `layers` in every image seen in practice. */
  readonly type: string;
  readonly diff_ids: readonly Digest[];
}

/**
 * One build step of an image config's history.
 *
 * @example
 * ```ts
 * const steps = (config.history ?? []).filter((h) => !h.empty_layer).map((h) => h.created_by);
 * ```
 */
export interface HistoryEntry {
  readonly created?: string;
  readonly created_by?: string;
  readonly author?: string;
  readonly comment?: string;
  /** True when the step produced no layer (ENV, CMD, ...). */
  readonly empty_layer?: boolean;
}

/**
 * An image configuration: OCI (`application/vnd.oci.image.config.v1+json`)
 * or Docker (`application/vnd.docker.container.image.v1+json`), which share
 * these fields.
 *
 * @example
 * ```ts
 * const config = parseImageConfig(configBytes);
 * console.log(`${config.os}/${config.architecture}`, config.rootfs.diff_ids.length, 'layers');
 * ```
 */
export interface ImageConfig {
  readonly architecture: string;
  readonly os: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
  readonly variant?: string;
  /** RFC 3339 creation time. */
  readonly created?: string;
  readonly author?: string;
  readonly config?: ContainerConfig;
  readonly rootfs: RootFs;
  readonly history?: readonly HistoryEntry[];
}
