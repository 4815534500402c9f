// Docker v2 schema 2 manifests keep their bytes (and so their digest) in a
// layout: the sink does not convert them, as skopeo does. containerd and
// go-containerregistry read such entries; skopeo 1.9 does not find them.
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, expect, it } from 'vitest';
import { sha256Digest } from '../../src/digest/index.js';
import { openOciLayoutSink, openOciLayoutSource } from '../../src/image/oci-layout/index.js';
import { MediaType } from '../../src/oci/index.js';
import { ociRef, readIndexJson, useTempDirs } from './layout-tools.js';

const temp = useTempDirs();

let dir: string;
beforeAll(async () => {
  dir = await temp.make();
});

it('writes and reads a Docker manifest entry with its own media type', async () => {
  const layer = Buffer.alloc(1024);
  const layerDescriptor = { mediaType: MediaType.DOCKER_LAYER, digest: sha256Digest(layer), size: layer.length };
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layerDescriptor.digest] } }));
  const configDescriptor = { mediaType: MediaType.DOCKER_CONFIG, digest: sha256Digest(config), size: config.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.DOCKER_MANIFEST, config: configDescriptor, layers: [layerDescriptor] }));
  const layout = join(dir, 'docker');
  const sink = await openOciLayoutSink(ociRef(layout, 'v1'));
  await sink.writeBlob(layerDescriptor, Readable.from([layer]));
  await sink.writeBlob(configDescriptor, Readable.from([config]));
  await sink.commit({ bytes: manifest, digest: sha256Digest(manifest), mediaType: MediaType.DOCKER_MANIFEST });
  await sink.close({ committed: true });

  expect((await readIndexJson(layout)).manifests[0]?.mediaType).toBe(MediaType.DOCKER_MANIFEST);
  const source = await openOciLayoutSource(ociRef(layout, 'v1'));
  const read = await source.readManifest();
  expect(read.mediaType).toBe(MediaType.DOCKER_MANIFEST);
  expect(read.bytes.equals(manifest)).toBe(true);
});
