// Realistic documents, shaped like what registries and `docker buildx` emit.
// Digests are real-looking sha256 values; they do not need to resolve.

export const digests = {
  config: 'sha256:08d11c5876d0058801652b613e7cccf5193a688453fbfd61156f0d17a8a3bc1f',
  layer1: 'sha256:420d5b7b8038ae57a04a0f743ece98ab578eb9922e33f999c22c9df7e2ced8a6',
  layer2: 'sha256:d4e9fcd7c5c83f4f6ef06b01b7763c8aa218a1b975fd25b99468fcd3d105c65d',
  amd64: 'sha256:b66e0ab0a89e0712c96f442418b9c1926b12eea1f54bd2f1613f7411d75886b6',
  arm64: 'sha256:9d20b9dc47e492f111b8171c62e8ef645755fd537b6252c73865420b3ce7bc8d',
  armv7: 'sha256:70c7c2c65ff513f87c9c474875dfbe1e21f2d463af1b2b066bf7b7c1d80e5526',
  attestation: 'sha256:5200452bbf0ce7b76c115fe5ef0835521434459165da5930c8610badfe27a417',
  diff1: 'sha256:22eba8c0add94817b2ffeb567eea3e66e3fd74193d2c306cc912b038c2cdedb7',
  diff2: 'sha256:f0195f1e81f6198e83eee644053c0e6714e0f4789d2702cf090fb812cf7561a4',
  subject: 'sha256:0e73c18c6b34d53413f26fbb61af9b0145351a543b08c23109b0e0598f820b4c',
} as const;

export function bytesOf(document: unknown, indent = 2): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(document, null, indent));
}

export function ociManifest(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digests.config, size: 1472 },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digests.layer1, size: 3_623_807 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digests.layer2, size: 1_024 },
    ],
    annotations: {
      'org.opencontainers.image.created': '2024-05-22T18:18:12Z',
      'org.opencontainers.image.source': 'https://github.com/example/app',
    },
  };
}

export function dockerManifest(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: digests.config },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 3_401_613, digest: digests.layer1 }],
  };
}

export const attestationEntry = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: digests.attestation,
  size: 840,
  annotations: {
    'vnd.docker.reference.digest': digests.amd64,
    'vnd.docker.reference.type': 'attestation-manifest',
  },
  platform: { architecture: 'unknown', os: 'unknown' },
};

export function ociIndex(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: digests.amd64,
        size: 1_051,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: digests.arm64,
        size: 1_051,
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
      },
      { ...attestationEntry },
    ],
  };
}

export function dockerManifestList(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifests: [
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 528,
        digest: digests.amd64,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 528,
        digest: digests.armv7,
        platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
      },
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 528,
        digest: digests.arm64,
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
      },
    ],
  };
}

export function ociConfig(): Record<string, unknown> {
  return {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-05-22T18:18:12.052034407Z',
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Entrypoint: ['/docker-entrypoint.sh'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      ExposedPorts: { '80/tcp': {} },
      Labels: { maintainer: 'NGINX Docker Maintainers <docker-maint@nginx.com>' },
      StopSignal: 'SIGQUIT',
      WorkingDir: '/',
    },
    rootfs: { type: 'layers', diff_ids: [digests.diff1, digests.diff2] },
    history: [
      { created: '2024-05-22T18:18:11Z', created_by: '/bin/sh -c #(nop) ADD file:e3abcdba in / ' },
      { created: '2024-05-22T18:18:12Z', created_by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', empty_layer: true },
    ],
  };
}

/** Docker's config as `docker save` writes it: Go nulls included, container_config kept. */
export function dockerConfig(): Record<string, unknown> {
  return {
    architecture: 'arm64',
    variant: 'v8',
    os: 'linux',
    docker_version: '24.0.7',
    config: {
      Hostname: '',
      User: '',
      AttachStdin: false,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
      Image: 'sha256:8dc8fd7b1b1642a083357e18ff9aff134fac349c6e6a244fbd1e58d599a64ad6',
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      OnBuild: null,
      Labels: null,
      ArgsEscaped: true,
    },
    container_config: { Hostname: 'b1c7a9', Cmd: ['/bin/sh', '-c', '#(nop) ', 'CMD ["/bin/sh"]'] },
    rootfs: { type: 'layers', diff_ids: [digests.diff1] },
    history: [{ created: '2024-01-27T00:30:48.624092542Z', created_by: '/bin/sh -c #(nop) ADD file:37a76ec1 in / ' }],
  };
}
