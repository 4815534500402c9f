import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, PluginRegistry, S3loError, oci, ref } from '@s3lo/core';
import { describe, expect, it } from 'vitest';
import archives, { plugin } from '../src/index.js';
import { listTree, tempDir } from './helpers/images.js';
import { buildTar, imageConfig, layerTar, ociLayoutEntries, sha256 } from './helpers/raw-tar.js';

describe('the transport plugin', () => {
  it('is the default export and declares what it serves', () => {
    expect(archives).toBe(plugin);
    expect(plugin).toMatchObject({ kind: 'transport', contractVersion: 1, name: '@s3lo/transport-archive', locations: ['oci-archive', 'docker-archive'] });
  });

  it('registers with core and opens sources and sinks for parsed locations', async () => {
    const registry = new PluginRegistry();
    registry.registerTransport(plugin);
    expect(registry.transportFor('oci-archive')).toBe(plugin);
    expect(registry.transportFor('docker-archive')).toBe(plugin);

    const dir = await tempDir();
    const layer = layerTar();
    const layout = ociLayoutEntries(imageConfig([sha256(layer)]), [{ bytes: layer, mediaType: oci.MediaType.OCI_LAYER }]);
    const path = join(dir, 'a.tar');
    await writeFile(path, buildTar(layout.entries));
    const location = ref.parseTransportReference(`oci-archive:${path}:v1`);
    const source = await registry.transportFor(location.kind).openSource(location, {});
    expect((await source.readManifest()).digest).toBe(layout.manifestDigest);
    await source.close();

    const sink = await registry.transportFor('docker-archive').openSink(ref.parseTransportReference(`docker-archive:${join(dir, 'out.tar')}:app:v1`), { tempDir: dir });
    await sink.close({ committed: false });
    expect(await listTree(dir)).toEqual(['a.tar']);
  });

  it('refuses locations it does not serve', async () => {
    const error = await plugin.openSource({ kind: 'oci', path: '/x' } as never, {}).catch((e: unknown) => e);
    expect(S3loError.isInstance(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
  });
});
