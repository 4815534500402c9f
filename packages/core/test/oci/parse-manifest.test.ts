import { describe, expect, it } from 'vitest';
import { ErrorCode, sha256Digest } from '../../src/index.js';
import { MAX_MANIFEST_BYTES, MediaType, parseImageIndex, parseImageManifest, parseManifestDocument, type ImageIndex, type ImageManifest } from '../../src/oci/index.js';
import { attestationEntry, bytesOf, digests, dockerManifest, dockerManifestList, ociIndex, ociManifest } from './fixtures.js';
import { thrown } from '../support/thrown.js';

function asManifest(bytes: Uint8Array): ImageManifest {
  const doc = parseManifestDocument(bytes);
  if (doc.kind !== 'manifest') throw new Error(`expected a manifest, got ${doc.kind}`);
  return doc.manifest;
}

function asIndex(bytes: Uint8Array): ImageIndex {
  const doc = parseManifestDocument(bytes);
  if (doc.kind !== 'index') throw new Error(`expected an index, got ${doc.kind}`);
  return doc.index;
}

describe('parseManifestDocument on valid documents', () => {
  it('reads an OCI image manifest', () => {
    const doc = parseManifestDocument(bytesOf(ociManifest()));
    expect(doc.kind).toBe('manifest');
    expect(doc.mediaType).toBe(MediaType.OCI_MANIFEST);
    const manifest = asManifest(bytesOf(ociManifest()));
    expect(manifest.config.digest).toBe(digests.config);
    expect(manifest.layers.map((layer) => layer.digest)).toEqual([digests.layer1, digests.layer2]);
    expect(manifest.layers[0]?.size).toBe(3_623_807);
    expect(manifest.annotations?.['org.opencontainers.image.source']).toBe('https://github.com/example/app');
  });

  it('reads a Docker v2 schema 2 manifest (3-space indented, as registries serve it)', () => {
    const doc = parseManifestDocument(bytesOf(dockerManifest(), 3));
    expect(doc).toMatchObject({ kind: 'manifest', mediaType: MediaType.DOCKER_MANIFEST });
    expect(asManifest(bytesOf(dockerManifest(), 3)).config.mediaType).toBe(MediaType.DOCKER_CONFIG);
  });

  it('reads an OCI index with an attestation entry', () => {
    const doc = parseManifestDocument(bytesOf(ociIndex()));
    expect(doc).toMatchObject({ kind: 'index', mediaType: MediaType.OCI_INDEX });
    const index = asIndex(bytesOf(ociIndex()));
    expect(index.manifests).toHaveLength(3);
    expect(index.manifests[1]?.platform).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    expect(index.manifests[2]?.annotations?.['vnd.docker.reference.type']).toBe('attestation-manifest');
  });

  it('reads a Docker manifest list', () => {
    const doc = parseManifestDocument(bytesOf(dockerManifestList(), 3));
    expect(doc).toMatchObject({ kind: 'index', mediaType: MediaType.DOCKER_MANIFEST_LIST });
  });

  it('keeps the parsed view and the bytes apart: the digest is of the bytes', () => {
    const compact = bytesOf(ociManifest(), 0);
    const pretty = bytesOf(ociManifest(), 2);
    expect(parseManifestDocument(compact)).toEqual(parseManifestDocument(pretty));
    expect(sha256Digest(compact)).not.toBe(sha256Digest(pretty));
  });

  it('keeps fields it does not know', () => {
    const manifest = asManifest(bytesOf({ ...ociManifest(), futureField: { x: 1 } }));
    expect((manifest as unknown as Record<string, unknown>)['futureField']).toEqual({ x: 1 });
  });

  it('reads artifact fields: artifactType, subject, data, urls', () => {
    const artifact = {
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { mediaType: MediaType.OCI_EMPTY, digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2, data: 'e30=' },
      layers: [
        {
          mediaType: MediaType.DOCKER_FOREIGN_LAYER_GZIP,
          digest: digests.layer1,
          size: 12,
          urls: ['https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:420d'],
        },
      ],
      subject: { mediaType: MediaType.OCI_MANIFEST, digest: digests.subject, size: 1_051 },
    };
    const manifest = asManifest(bytesOf(artifact));
    expect(manifest.artifactType).toBe('application/vnd.dev.cosign.artifact.sig.v1+json');
    expect(manifest.subject?.digest).toBe(digests.subject);
    expect(manifest.config.data).toBe('e30=');
    expect(manifest.layers[0]?.urls).toHaveLength(1);
  });

  it('accepts a manifest with no layers and an index with no entries', () => {
    expect(asManifest(bytesOf({ ...ociManifest(), layers: [] })).layers).toEqual([]);
    expect(asIndex(bytesOf({ ...ociIndex(), manifests: [] })).manifests).toEqual([]);
  });

  it('reads null optional fields as absent, as Go does', () => {
    const manifest = asManifest(bytesOf({ ...ociManifest(), annotations: null, subject: null }));
    expect(manifest).not.toHaveProperty('annotations');
    expect(manifest).not.toHaveProperty('subject');
  });

  it('accepts a document of exactly the limit, and a larger limit when asked', () => {
    const manifest = bytesOf(ociManifest(), 0);
    const padded = new Uint8Array(MAX_MANIFEST_BYTES).fill(0x20);
    padded.set(manifest);
    expect(parseManifestDocument(padded).kind).toBe('manifest');
    const bigger = new Uint8Array(MAX_MANIFEST_BYTES + 10).fill(0x20);
    bigger.set(manifest);
    expect(parseManifestDocument(bigger, { maxBytes: MAX_MANIFEST_BYTES + 10 }).kind).toBe('manifest');
  });
});

describe('index detection (bucket-layout.md)', () => {
  it('is an index by media type: OCI index or Docker manifest list', () => {
    expect(parseManifestDocument(bytesOf(ociIndex())).kind).toBe('index');
    expect(parseManifestDocument(bytesOf(dockerManifestList())).kind).toBe('index');
  });

  it('is an index without a media type when schemaVersion is 2 and manifests is an array', () => {
    const { mediaType: _, ...untyped } = ociIndex();
    const doc = parseManifestDocument(bytesOf(untyped));
    expect(doc.kind).toBe('index');
    // The OCI type is implied, and reported, when none is declared.
    expect(doc.mediaType).toBe(MediaType.OCI_INDEX);
    if (doc.kind === 'index') expect(doc.index.mediaType).toBeUndefined();
  });

  it('is a manifest without a media type when there is no manifests array', () => {
    const { mediaType: _, ...untyped } = ociManifest();
    const doc = parseManifestDocument(bytesOf(untyped));
    expect(doc).toMatchObject({ kind: 'manifest', mediaType: MediaType.OCI_MANIFEST });
  });

  it('reads a typeless document with schemaVersion 1 and manifests as a manifest, and refuses it', () => {
    const { mediaType: _, ...untyped } = ociIndex();
    const error = thrown(() => parseManifestDocument(bytesOf({ ...untyped, schemaVersion: 1 })));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.message).toBe('invalid image manifest: schemaVersion must be 2, got the number 1');
    expect(error.hint).toMatch(/schema 1/);
  });

  it('refuses a manifest media type on an index-shaped document', () => {
    const error = thrown(() => parseManifestDocument(bytesOf({ ...ociIndex(), mediaType: MediaType.OCI_MANIFEST })));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.message).toMatch(/^invalid image manifest: the document has a "manifests" field/);
  });

  it('refuses an index media type on a manifest-shaped document', () => {
    const error = thrown(() => parseManifestDocument(bytesOf({ ...ociManifest(), mediaType: MediaType.DOCKER_MANIFEST_LIST })));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.message).toMatch(/^invalid image index: the document has a "config" field/);
  });

  it('refuses a typeless document that has both shapes (CVE-2021-41190)', () => {
    const { mediaType: _, ...untyped } = ociManifest();
    const error = thrown(() => parseManifestDocument(bytesOf({ ...untyped, manifests: [] })));
    expect(error.message).toMatch(/ambiguous/);
    expect(error.details['path']).toBe('');
  });

  it('refuses an unknown top-level media type and says which it reads', () => {
    const error = thrown(() => parseManifestDocument(bytesOf({ ...ociManifest(), mediaType: 'application/vnd.example.thing+json' })));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.message).toBe(
      'invalid manifest: mediaType "application/vnd.example.thing+json" is not supported (expected application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json)',
    );
    expect(error.details).toMatchObject({ path: 'mediaType' });
  });

  it('refuses Docker schema 1 with a hint', () => {
    const schema1 = { schemaVersion: 1, mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws', name: 'library/busybox', fsLayers: [] };
    const error = thrown(() => parseManifestDocument(bytesOf(schema1)));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.hint).toMatch(/schema 1/);
  });
});

describe('parseImageManifest and parseImageIndex', () => {
  it('parse their own kind, OCI and Docker', () => {
    expect(parseImageManifest(bytesOf(ociManifest())).layers).toHaveLength(2);
    expect(parseImageManifest(bytesOf(dockerManifest())).mediaType).toBe(MediaType.DOCKER_MANIFEST);
    expect(parseImageIndex(bytesOf(ociIndex())).manifests).toHaveLength(3);
    expect(parseImageIndex(bytesOf(dockerManifestList())).manifests[1]?.platform?.variant).toBe('v7');
  });

  it('refuse the other kind with a clear message', () => {
    const asManifestError = thrown(() => parseImageManifest(bytesOf(ociIndex())));
    expect(asManifestError.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(asManifestError.message).toBe(
      'invalid image manifest: mediaType is "application/vnd.oci.image.index.v1+json", an index media type: this is an image index, not an image manifest',
    );
    const asIndexError = thrown(() => parseImageIndex(bytesOf(dockerManifest())));
    expect(asIndexError.message).toBe(
      'invalid image index: mediaType is "application/vnd.docker.distribution.manifest.v2+json", a manifest media type: this is an image manifest, not an index',
    );
  });

  it('refuse a typeless document of the other kind by its shape', () => {
    const { mediaType: _m, ...manifest } = ociManifest();
    const { mediaType: _i, ...index } = ociIndex();
    expect(thrown(() => parseImageIndex(bytesOf(manifest))).message).toMatch(/^invalid image index: the document has a "config" field/);
    expect(thrown(() => parseImageManifest(bytesOf(index))).message).toBe(
      'invalid image manifest: the document has a "manifests" field, which belongs to an index: a manifest with it is ambiguous and refused',
    );
  });

  it('parse an OCI layout index.json (no media type on older layouts)', () => {
    const layoutIndex = {
      schemaVersion: 2,
      manifests: [
        {
          mediaType: MediaType.OCI_MANIFEST,
          digest: digests.amd64,
          size: 1_051,
          annotations: { 'org.opencontainers.image.ref.name': 'v1.2.3' },
        },
        attestationEntry,
      ],
    };
    expect(parseImageIndex(bytesOf(layoutIndex)).manifests[0]?.annotations?.['org.opencontainers.image.ref.name']).toBe('v1.2.3');
  });
});
