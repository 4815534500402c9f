import { describe, expect, it } from 'vitest';
import { S3loError } from '../../src/errors/index.js';
import { rejected, thrown } from '../support/thrown.js';
import { isPlannedPackage, PluginRegistry, suggestedBackendPackages } from '../../src/plugins/index.js';
import type { BackendPlugin, StorageBackend } from '../../src/storage/index.js';

// Registry logic only: the backend is never called, so a bare object that
// records its construction is all these tests need.
function pluginFor(schemes: string[], name = 'test-plugin', contractVersion: number = 1): BackendPlugin & { created: string[] } {
  const created: string[] = [];
  return {
    kind: 'backend',
    contractVersion: contractVersion as 1,
    name,
    schemes,
    created,
    create(bucket) {
      created.push(bucket);
      return { contractVersion: 1, scheme: schemes[0]!, bucket } as unknown as StorageBackend;
    },
  };
}

describe('PluginRegistry', () => {
  it('resolves a registered scheme to a backend bound to the bucket', async () => {
    const registry = new PluginRegistry();
    const plugin = pluginFor(['mem', 'memory']);
    registry.registerBackend(plugin);
    const backend = await registry.resolveBackend({ scheme: 'memory', bucket: 'b1' });
    expect(backend.bucket).toBe('b1');
    expect(plugin.created).toEqual(['b1']);
    expect(registry.schemes()).toEqual(['mem', 'memory']);
    expect(registry.backendPlugin('mem')).toBe(plugin);
  });

  it('names the package to install for an unknown scheme', async () => {
    const registry = new PluginRegistry();
    registry.registerBackend(pluginFor(['local']));
    const s3 = await rejected(registry.resolveBackend({ scheme: 's3', bucket: 'b' }));
    expect(S3loError.isInstance(s3, 'UNKNOWN_SCHEME')).toBe(true);
    expect((s3 as S3loError).message).toBe('no storage backend for s3:// (registered: local://)');
    expect((s3 as S3loError).hint).toContain('@s3lo/backend-s3');
    const foo = await rejected(new PluginRegistry().resolveBackend({ scheme: 'foo', bucket: 'b' }));
    expect((foo as S3loError).hint).toContain('@s3lo/backend-foo or s3lo-backend-foo');
    expect((foo as S3loError).message).toContain('no backend is registered');
  });

  it('never tells a program to install a first-party plugin that is planned but not published', () => {
    const daemon = thrown(() => new PluginRegistry().transportFor('docker-daemon'));
    expect(daemon.details).toEqual({ kind: 'docker-daemon', packages: ['@s3lo/transport-docker'] });
    expect(daemon.hint).toBe(
      '@s3lo/transport-docker, the first-party transport for docker-daemon:, is planned but not published yet: register a transport plugin that serves docker-daemon:',
    );
    expect(thrown(() => new PluginRegistry().transportFor('oci-archive')).hint).toBe('install @s3lo/transport-archive and register it');
    expect(isPlannedPackage('@s3lo/transport-registry')).toBe(true);
  });

  it('tells a program to install a published first-party backend (s3, gs, az)', async () => {
    for (const [scheme, pkg] of [
      ['s3', '@s3lo/backend-s3'],
      ['gs', '@s3lo/backend-gcs'],
      ['az', '@s3lo/backend-azure'],
    ] as const) {
      const error = (await rejected(new PluginRegistry().resolveBackend({ scheme, bucket: 'b' }))) as S3loError;
      expect(error.details).toEqual({ scheme, packages: [pkg] });
      expect(error.hint).toBe(`install ${pkg} and register it (the s3lo CLI loads it by name)`);
      expect(isPlannedPackage(pkg)).toBe(false);
    }
  });

  it('maps first-party schemes to their package names', () => {
    expect(suggestedBackendPackages('gs')).toEqual(['@s3lo/backend-gcs']);
    expect(suggestedBackendPackages('az')).toEqual(['@s3lo/backend-azure']);
    expect(suggestedBackendPackages('local')).toEqual(['@s3lo/backend-local']);
  });

  it('refuses a plugin of another contract version, and a backend of another version', async () => {
    const registry = new PluginRegistry();
    const future = pluginFor(['fut'], 'future-plugin', 2);
    const error = thrown(() => registry.registerBackend(future));
    expect(error.code).toBe('PLUGIN_INCOMPATIBLE');
    expect(error.message).toContain('future-plugin implements storage contract 2');

    const liar: BackendPlugin = {
      ...pluginFor(['liar']),
      create: () => ({ contractVersion: 0 }) as unknown as StorageBackend,
    };
    registry.registerBackend(liar);
    expect(S3loError.isInstance(await rejected(registry.resolveBackend({ scheme: 'liar', bucket: 'b' })), 'PLUGIN_INCOMPATIBLE')).toBe(true);
  });

  it('says which side to upgrade when the contract versions differ', async () => {
    const registry = new PluginRegistry();
    const newer = thrown(() => registry.registerBackend(pluginFor(['fut'], 'future-plugin', 2)));
    expect(newer.hint).toBe('future-plugin is newer than this @s3lo/core: upgrade @s3lo/core to a release that speaks storage contract 2, or install a future-plugin release for contract 1');
    expect(newer.details).toEqual({ plugin: 'future-plugin', contractVersion: 2, supported: [1] });
    const older = thrown(() => registry.registerBackend(pluginFor(['old'], 'old-plugin', 0)));
    expect(older.hint).toBe('old-plugin is older than this @s3lo/core: upgrade old-plugin to a release for storage contract 1, or use an @s3lo/core that speaks contract 0');
    const liar: BackendPlugin = { ...pluginFor(['liar'], 'liar-plugin'), create: () => ({ contractVersion: 2 }) as unknown as StorageBackend };
    registry.registerBackend(liar);
    const returned = (await rejected(registry.resolveBackend({ scheme: 'liar', bucket: 'b' }))) as S3loError;
    expect(returned.hint).toContain('upgrade @s3lo/core to a release that speaks storage contract 2');
  });

  it('refuses malformed plugins with a message naming them', () => {
    const registry = new PluginRegistry();
    expect(() => registry.registerBackend({ ...pluginFor(['x']), kind: 'scanner' } as unknown as BackendPlugin)).toThrow(/is not a storage backend plugin/);
    expect(() => registry.registerBackend(pluginFor([]))).toThrow(/declares no schemes/);
    expect(() => registry.registerBackend(pluginFor(['S3']))).toThrow(/invalid scheme "S3"/);
    expect(() => registry.registerBackend(pluginFor(['s3://']))).toThrow(/invalid scheme/);
    expect(() => registry.registerBackend({ ...pluginFor(['x']), create: undefined } as unknown as BackendPlugin)).toThrow(/no create\(\) factory/);
    expect(() => registry.registerBackend({ ...pluginFor(['x']), optionNames: 'fsync' } as unknown as BackendPlugin)).toThrow(/optionNames that are not a list/);
    expect(() => registry.registerBackend({ ...pluginFor(['x']), optionNames: ['fsync', ''] })).toThrow(/optionNames that are not a list/);
    registry.registerBackend({ ...pluginFor(['y']), optionNames: [] });
    registry.registerBackend({ ...pluginFor(['z']), optionNames: ['fsync'] });
    expect(registry.backendPlugin('z')?.optionNames).toEqual(['fsync']);
  });

  it('keeps the first plugin for a scheme unless told to replace it', async () => {
    const registry = new PluginRegistry();
    const first = pluginFor(['s3'], 'first');
    const second = pluginFor(['s3'], 'second');
    registry.registerBackend(first);
    registry.registerBackend(first); // the same plugin again is fine
    expect(() => registry.registerBackend(second)).toThrow(/already served by first/);
    registry.registerBackend(second, { replace: true });
    await registry.resolveBackend({ scheme: 's3', bucket: 'b' });
    expect(second.created).toEqual(['b']);
    expect(first.created).toEqual([]);
  });
});
