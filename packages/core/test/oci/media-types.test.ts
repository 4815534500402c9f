import { describe, expect, it } from 'vitest';
import { isCompressedLayer, isIndexMediaType, isLayerMediaType, isManifestMediaType, layerCompression, MediaType } from '../../src/oci/index.js';

describe('media types', () => {
  it('spells the OCI and Docker types exactly', () => {
    expect(MediaType.OCI_MANIFEST).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(MediaType.OCI_INDEX).toBe('application/vnd.oci.image.index.v1+json');
    expect(MediaType.OCI_CONFIG).toBe('application/vnd.oci.image.config.v1+json');
    expect(MediaType.OCI_LAYER_ZSTD).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    expect(MediaType.OCI_EMPTY).toBe('application/vnd.oci.empty.v1+json');
    expect(MediaType.DOCKER_MANIFEST).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(MediaType.DOCKER_MANIFEST_LIST).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(MediaType.DOCKER_CONFIG).toBe('application/vnd.docker.container.image.v1+json');
    expect(MediaType.DOCKER_LAYER_GZIP).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    expect(MediaType.DOCKER_FOREIGN_LAYER_GZIP).toBe('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip');
  });

  it('tells indexes from manifests', () => {
    expect(isIndexMediaType(MediaType.OCI_INDEX)).toBe(true);
    expect(isIndexMediaType(MediaType.DOCKER_MANIFEST_LIST)).toBe(true);
    expect(isIndexMediaType(MediaType.OCI_MANIFEST)).toBe(false);
    expect(isIndexMediaType(undefined)).toBe(false);
    expect(isManifestMediaType(MediaType.OCI_MANIFEST)).toBe(true);
    expect(isManifestMediaType(MediaType.DOCKER_MANIFEST)).toBe(true);
    expect(isManifestMediaType(MediaType.DOCKER_MANIFEST_LIST)).toBe(false);
    expect(isManifestMediaType('application/vnd.docker.distribution.manifest.v1+prettyjws')).toBe(false);
    expect(isManifestMediaType(`${MediaType.OCI_MANIFEST} `)).toBe(false);
  });

  it('knows every layer type and its compression', () => {
    const cases: [string, 'none' | 'gzip' | 'zstd'][] = [
      [MediaType.OCI_LAYER, 'none'],
      [MediaType.OCI_LAYER_GZIP, 'gzip'],
      [MediaType.OCI_LAYER_ZSTD, 'zstd'],
      [MediaType.OCI_LAYER_NONDISTRIBUTABLE, 'none'],
      [MediaType.OCI_LAYER_NONDISTRIBUTABLE_GZIP, 'gzip'],
      [MediaType.OCI_LAYER_NONDISTRIBUTABLE_ZSTD, 'zstd'],
      [MediaType.DOCKER_LAYER, 'none'],
      [MediaType.DOCKER_LAYER_GZIP, 'gzip'],
      [MediaType.DOCKER_LAYER_ZSTD, 'zstd'],
      [MediaType.DOCKER_FOREIGN_LAYER, 'none'],
      [MediaType.DOCKER_FOREIGN_LAYER_GZIP, 'gzip'],
    ];
    for (const [mediaType, compression] of cases) {
      expect(isLayerMediaType(mediaType), mediaType).toBe(true);
      expect(layerCompression(mediaType), mediaType).toBe(compression);
      expect(isCompressedLayer(mediaType), mediaType).toBe(compression !== 'none');
    }
  });

  it('does not call configs, manifests or artifacts layers', () => {
    for (const mediaType of [
      MediaType.OCI_CONFIG,
      MediaType.OCI_EMPTY,
      MediaType.DOCKER_CONFIG,
      MediaType.OCI_MANIFEST,
      'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
      '',
      42,
      undefined,
    ]) {
      expect(isLayerMediaType(mediaType)).toBe(false);
      expect(layerCompression(mediaType)).toBeUndefined();
      expect(isCompressedLayer(mediaType)).toBe(false);
    }
  });

  it('is not fooled by inherited property names', () => {
    expect(isLayerMediaType('constructor')).toBe(false);
    expect(layerCompression('__proto__')).toBeUndefined();
  });
});
