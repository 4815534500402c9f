import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { hostPlatform, isAttestation, listPlatforms, parseImageIndex, parsePlatform, selectPlatformManifests, type Descriptor, type ImageIndex } from '../../src/oci/index.js';
import { attestationEntry, bytesOf, digests, dockerManifestList, ociIndex } from './fixtures.js';
import { thrown } from '../support/thrown.js';

const index = (): ImageIndex => parseImageIndex(bytesOf(ociIndex()));
const platforms = (...texts: string[]) => texts.map(parsePlatform);
const digestsOf = (entries: readonly Descriptor[]) => entries.map((entry) => entry.digest);

function entry(digest: string, platform?: Descriptor['platform']): Descriptor {
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest as Descriptor['digest'], size: 100, platform };
}

describe('isAttestation', () => {
  it('knows BuildKit attestations by platform or annotation', () => {
    expect(isAttestation(attestationEntry as Descriptor)).toBe(true);
    expect(isAttestation(entry(digests.attestation, { os: 'unknown', architecture: 'unknown' }))).toBe(true);
    expect(isAttestation({ ...entry(digests.attestation), annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
    expect(isAttestation(entry(digests.amd64, { os: 'linux', architecture: 'amd64' }))).toBe(false);
    expect(isAttestation(entry(digests.amd64, { os: 'unknown', architecture: 'amd64' }))).toBe(false);
    expect(isAttestation(entry(digests.amd64))).toBe(false);
  });
});

describe('listPlatforms', () => {
  it('lists every entry in order with attestations marked', () => {
    const list = listPlatforms(index());
    expect(list.map(({ name, attestation }) => ({ name, attestation }))).toEqual([
      { name: 'linux/amd64', attestation: false },
      { name: 'linux/arm64/v8', attestation: false },
      { name: 'unknown/unknown', attestation: true },
    ]);
    expect(list[1]?.descriptor.digest).toBe(digests.arm64);
    expect(list[1]?.platform).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
  });

  it('names an entry without a platform', () => {
    const list = listPlatforms({ schemaVersion: 2, manifests: [entry(digests.amd64)] });
    expect(list[0]).toMatchObject({ name: '(no platform)', platform: undefined, attestation: false });
  });
});

describe('selectPlatformManifests', () => {
  it('picks the requested platform', () => {
    expect(digestsOf(selectPlatformManifests(index(), platforms('linux/amd64')))).toEqual([digests.amd64]);
    expect(digestsOf(selectPlatformManifests(index(), platforms('linux/arm64')))).toEqual([digests.arm64]);
    expect(digestsOf(selectPlatformManifests(index(), platforms('linux/arm64/v8')))).toEqual([digests.arm64]);
  });

  it('picks several platforms in index order, without duplicates', () => {
    const picked = selectPlatformManifests(index(), platforms('linux/arm64', 'linux/amd64', 'linux/arm64/v8'));
    expect(digestsOf(picked)).toEqual([digests.amd64, digests.arm64]);
  });

  it('picks the host platform when none is requested', () => {
    const list = parseImageIndex(bytesOf(dockerManifestList()));
    const expected = list.manifests.filter((m) => m.platform?.architecture === hostPlatform().architecture).map((m) => m.digest);
    if (expected.length > 0) {
      expect(digestsOf(selectPlatformManifests(list, undefined))).toEqual(expected);
    } else {
      expect(thrown(() => selectPlatformManifests(list, undefined)).code).toBe(ErrorCode.PLATFORM_NOT_FOUND);
    }
  });

  it('returns every entry a variantless request matches', () => {
    const multiArm: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry(digests.armv7, { os: 'linux', architecture: 'arm', variant: 'v6' }),
        entry(digests.amd64, { os: 'linux', architecture: 'amd64' }),
        entry(digests.arm64, { os: 'linux', architecture: 'arm', variant: 'v7' }),
      ],
    };
    expect(digestsOf(selectPlatformManifests(multiArm, platforms('linux/arm')))).toEqual([digests.armv7, digests.arm64]);
    expect(digestsOf(selectPlatformManifests(multiArm, platforms('linux/arm/v7')))).toEqual([digests.arm64]);
  });

  it('never picks an attestation, even when unknown/unknown is asked for', () => {
    const error = thrown(() => selectPlatformManifests(index(), platforms('unknown/unknown')));
    expect(error.code).toBe(ErrorCode.PLATFORM_NOT_FOUND);
  });

  it('lists what the index has when nothing matches', () => {
    const error = thrown(() => selectPlatformManifests(index(), platforms('linux/s390x')));
    expect(error.code).toBe(ErrorCode.PLATFORM_NOT_FOUND);
    expect(error.message).toBe('no linux/s390x image in the index; it has linux/amd64, linux/arm64/v8');
    expect(error.details).toEqual({ requested: ['linux/s390x'], available: ['linux/amd64', 'linux/arm64/v8'] });
  });

  it('fails when any requested platform is missing, naming only the missing ones', () => {
    const error = thrown(() => selectPlatformManifests(index(), platforms('linux/amd64', 'linux/s390x', 'linux/arm/v7')));
    expect(error.message).toBe('no linux/s390x or linux/arm/v7 image in the index; it has linux/amd64, linux/arm64/v8');
    expect(error.details['requested']).toEqual(['linux/s390x', 'linux/arm/v7']);
  });

  it('says so when the index holds only attestations or nothing', () => {
    const onlyAttestations: ImageIndex = { schemaVersion: 2, manifests: [attestationEntry as Descriptor] };
    expect(thrown(() => selectPlatformManifests(onlyAttestations, platforms('linux/amd64'))).message).toBe('no linux/amd64 image in the index; it has only attestations');
    expect(thrown(() => selectPlatformManifests({ schemaVersion: 2, manifests: [] }, platforms('linux/amd64'))).message).toBe('no linux/amd64 image in the index; it is empty');
  });

  it('skips entries without a platform but lists them', () => {
    const mixed: ImageIndex = { schemaVersion: 2, manifests: [entry(digests.amd64), entry(digests.arm64, { os: 'linux', architecture: 'arm64' })] };
    expect(thrown(() => selectPlatformManifests(mixed, platforms('linux/amd64'))).message).toBe('no linux/amd64 image in the index; it has (no platform), linux/arm64');
  });

  it('refuses an empty request list', () => {
    expect(thrown(() => selectPlatformManifests(index(), [])).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
