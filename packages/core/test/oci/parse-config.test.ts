import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { MAX_CONFIG_BYTES, parseImageConfig } from '../../src/oci/index.js';
import { bytesOf, digests, dockerConfig, ociConfig } from './fixtures.js';
import { thrown } from '../support/thrown.js';

describe('parseImageConfig', () => {
  it('reads an OCI config', () => {
    const config = parseImageConfig(bytesOf(ociConfig()));
    expect(`${config.os}/${config.architecture}`).toBe('linux/amd64');
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [digests.diff1, digests.diff2] });
    expect(config.config?.Cmd).toEqual(['nginx', '-g', 'daemon off;']);
    expect(config.config?.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(config.history?.[1]?.empty_layer).toBe(true);
  });

  it('reads a Docker config with Go nulls as absent fields, keeping Docker extras', () => {
    const config = parseImageConfig(bytesOf(dockerConfig(), 0));
    expect(config.variant).toBe('v8');
    expect(config.config).not.toHaveProperty('Entrypoint');
    expect(config.config).not.toHaveProperty('Labels');
    expect(config.config?.Env).toHaveLength(1);
    expect((config as unknown as Record<string, unknown>)['docker_version']).toBe('24.0.7');
    expect((config.config as Record<string, unknown>)['Image']).toBe('sha256:8dc8fd7b1b1642a083357e18ff9aff134fac349c6e6a244fbd1e58d599a64ad6');
  });

  it('reads an omitted diff_ids (Docker, image without layers) as []', () => {
    const config = parseImageConfig(bytesOf({ ...ociConfig(), rootfs: { type: 'layers' } }));
    expect(config.rootfs.diff_ids).toEqual([]);
  });

  it('refuses a config without its required fields', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ociConfig(), architecture: undefined }, 'architecture is missing'],
      [{ ...ociConfig(), os: 5 }, 'os must be a string, got the number 5'],
      [{ ...ociConfig(), rootfs: undefined }, 'rootfs is missing'],
      [{ ...ociConfig(), rootfs: { diff_ids: [] } }, 'rootfs.type is missing'],
      [{ ...ociConfig(), rootfs: { type: 'layers', diff_ids: {} } }, 'rootfs.diff_ids must be an array, got an object'],
      [{ ...ociConfig(), config: { Cmd: 'nginx' } }, 'config.Cmd must be an array, got a string'],
      [{ ...ociConfig(), config: { Env: ['A=1', 2] } }, 'config.Env[1] must be a string, got the number 2'],
      [{ ...ociConfig(), config: { Labels: { 'com.example.x': 1 } } }, 'config.Labels["com.example.x"] must be a string, got the number 1'],
      [{ ...ociConfig(), config: { ArgsEscaped: 'yes' } }, 'config.ArgsEscaped must be true or false, got a string'],
      [{ ...ociConfig(), history: [{ empty_layer: 1 }] }, 'history[0].empty_layer must be true or false, got the number 1'],
      [{ ...ociConfig(), history: ['RUN x'] }, 'history[0] must be a JSON object, got a string'],
    ];
    for (const [config, problem] of cases) {
      const error = thrown(() => parseImageConfig(bytesOf(config)));
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.message).toBe(`invalid image config: ${problem}`);
    }
  });

  it('caps configs at 8 MiB by default', () => {
    expect(MAX_CONFIG_BYTES).toBe(8 * 1024 * 1024);
    const error = thrown(() => parseImageConfig(new Uint8Array(MAX_CONFIG_BYTES + 1)));
    expect(error.code).toBe(ErrorCode.TOO_LARGE);
    expect(error.message).toBe('image config is 8388609 bytes, more than the limit of 8388608 bytes (8 MiB)');
  });

  it('accepts a 5 MiB config of real history, which a manifest cap would refuse', () => {
    const history = Array.from({ length: 40_000 }, (_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `/bin/sh -c echo step ${i} && ${'x'.repeat(80)}` }));
    const bytes = bytesOf({ ...ociConfig(), history }, 0);
    expect(bytes.byteLength).toBeGreaterThan(5 * 1024 * 1024);
    expect(parseImageConfig(bytes).history).toHaveLength(40_000);
  });
});
