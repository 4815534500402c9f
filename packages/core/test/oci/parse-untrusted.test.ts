import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '../../src/index.js';
import { MAX_MANIFEST_BYTES, parseImageConfig, parseImageIndex, parseImageManifest, parseManifestDocument } from '../../src/oci/index.js';
import { bytesOf, digests, ociConfig, ociIndex, ociManifest } from './fixtures.js';
import { thrown } from '../support/thrown.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function manifestWithLayerDigest(digest: unknown): Uint8Array {
  const manifest = ociManifest();
  const layers = manifest['layers'] as Record<string, unknown>[];
  layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 1 });
  return bytesOf(manifest);
}

describe('parsers refuse malformed bytes with a typed error', () => {
  it('truncated JSON', () => {
    const full = bytesOf(ociManifest());
    for (const cut of [0, 1, 20, full.length - 1]) {
      const error = thrown(() => parseManifestDocument(full.subarray(0, cut)));
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.message).toMatch(/^invalid manifest: the document is not valid JSON: /);
    }
  });

  it('non-UTF-8 bytes', () => {
    const bytes = encode('{"schemaVersion":2,"annotations":{"a":"\u00e9"}}');
    const invalid = Uint8Array.from([...bytes.subarray(0, 36), 0xc3, 0x28, ...bytes.subarray(38)]);
    const error = thrown(() => parseManifestDocument(invalid));
    expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
    expect(error.message).toBe('invalid manifest: the document is not valid UTF-8');
  });

  it('a UTF-8 byte order mark, which Go refuses too', () => {
    const withBom = Uint8Array.from([0xef, 0xbb, 0xbf, ...bytesOf(ociManifest())]);
    expect(thrown(() => parseManifestDocument(withBom)).message).toMatch(/not valid JSON/);
  });

  it('JSON that is not an object', () => {
    for (const text of ['null', '[]', '"manifest"', '2', 'true', '[{"schemaVersion":2}]']) {
      const error = thrown(() => parseManifestDocument(encode(text)));
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.message).toMatch(/^invalid manifest: the document must be a JSON object, got /);
    }
  });

  it('a wrong or missing schemaVersion', () => {
    for (const [version, shown] of [
      [undefined, 'is missing'],
      ['2', 'must be 2, got a string'],
      [3, 'must be 2, got the number 3'],
      [null, 'must be 2, got null'],
    ] as const) {
      const manifest = { ...ociManifest(), schemaVersion: version };
      expect(thrown(() => parseImageManifest(bytesOf(manifest))).message).toBe(`invalid image manifest: schemaVersion ${shown}`);
    }
  });

  it('missing required fields, with their path', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ociManifest(), config: undefined }, 'config is missing'],
      [{ ...ociManifest(), layers: undefined }, 'layers is missing'],
      [{ ...ociManifest(), layers: [{ digest: digests.layer1, size: 1 }] }, 'layers[0].mediaType is missing'],
      [{ ...ociManifest(), config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 1 } }, 'config.digest is missing'],
      [{ ...ociManifest(), config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digests.config } }, 'config.size is missing'],
    ];
    for (const [manifest, problem] of cases) {
      const error = thrown(() => parseImageManifest(bytesOf(manifest)));
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.message).toBe(`invalid image manifest: ${problem}`);
    }
    const index = { ...ociIndex(), manifests: undefined };
    expect(thrown(() => parseImageIndex(bytesOf(index))).message).toBe('invalid image index: manifests is missing');
  });

  it('wrong types, arrays where objects belong, null where a value is required', () => {
    const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digests.layer1, size: 1 };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...ociManifest(), config: [] }, 'config must be a JSON object, got an array', 'config'],
      [{ ...ociManifest(), config: null }, 'config must be a JSON object, got null', 'config'],
      [{ ...ociManifest(), layers: {} }, 'layers must be an array, got an object', 'layers'],
      [{ ...ociManifest(), layers: [layer, 'layer'] }, 'layers[1] must be a JSON object, got a string', 'layers[1]'],
      [{ ...ociManifest(), layers: [{ ...layer, mediaType: 7 }] }, 'layers[0].mediaType must be a string, got the number 7', 'layers[0].mediaType'],
      [{ ...ociManifest(), layers: [{ ...layer, size: '12' }] }, 'layers[0].size must be a non-negative integer of at most 2^53 - 1, got a string', 'layers[0].size'],
      [{ ...ociManifest(), layers: [{ ...layer, size: -1 }] }, 'layers[0].size must be a non-negative integer of at most 2^53 - 1, got the number -1', 'layers[0].size'],
      [{ ...ociManifest(), layers: [{ ...layer, size: 1.5 }] }, 'layers[0].size must be a non-negative integer of at most 2^53 - 1, got the number 1.5', 'layers[0].size'],
      [{ ...ociManifest(), layers: [{ ...layer, urls: 'https://x' }] }, 'layers[0].urls must be an array, got a string', 'layers[0].urls'],
      [{ ...ociManifest(), layers: [{ ...layer, urls: [1] }] }, 'layers[0].urls[0] must be a string, got the number 1', 'layers[0].urls[0]'],
      [{ ...ociManifest(), mediaType: 2 }, 'mediaType must be a string, got the number 2', 'mediaType'],
      [{ ...ociManifest(), annotations: [] }, 'annotations must be a JSON object, got an array', 'annotations'],
      [
        { ...ociManifest(), annotations: { 'org.opencontainers.image.title': true } },
        'annotations["org.opencontainers.image.title"] must be a string, got true',
        'annotations["org.opencontainers.image.title"]',
      ],
      [{ ...ociManifest(), subject: 'sha256:abc' }, 'subject must be a JSON object, got a string', 'subject'],
      [{ ...ociManifest(), artifactType: {} }, 'artifactType must be a string, got an object', 'artifactType'],
    ];
    for (const [manifest, problem, path] of cases) {
      const error = thrown(() => parseManifestDocument(bytesOf(manifest)));
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.message).toBe(`invalid ${path === 'mediaType' ? 'manifest' : 'image manifest'}: ${problem}`);
      expect(error.details['path']).toBe(path);
    }
  });

  it('platform fields of the wrong type in an index', () => {
    const index = ociIndex();
    const entries = index['manifests'] as Record<string, unknown>[];
    entries[1] = { ...entries[1], platform: { os: 'linux', architecture: 64 } };
    const error = thrown(() => parseImageIndex(bytesOf(index)));
    expect(error.message).toBe('invalid image index: manifests[1].platform.architecture must be a string, got the number 64');
    entries[1] = { ...entries[1], platform: { os: 'linux', architecture: 'arm64', 'os.features': 'win32k' } };
    expect(thrown(() => parseImageIndex(bytesOf(index))).message).toBe('invalid image index: manifests[1].platform["os.features"] must be an array, got a string');
    entries[1] = { ...entries[1], platform: { os: 'linux' } };
    expect(thrown(() => parseImageIndex(bytesOf(index))).message).toBe('invalid image index: manifests[1].platform.architecture is missing');
  });

  it('huge numbers', () => {
    const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digests.layer1 };
    for (const size of ['1e400', '9007199254740993', '-0.0001']) {
      const text = JSON.stringify({ ...ociManifest(), layers: [{ ...layer, size: 0 }] }).replace('"size":0', `"size":${size}`);
      const error = thrown(() => parseManifestDocument(encode(text)));
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.details['path']).toBe('layers[0].size');
    }
    const schema = JSON.stringify(ociManifest()).replace('"schemaVersion":2', '"schemaVersion":2e308');
    expect(thrown(() => parseManifestDocument(encode(schema))).message).toBe('invalid image manifest: schemaVersion must be 2, got the number Infinity');
  });

  it('deeply nested junk', () => {
    const depth = 500_000;
    const junk = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const text = `{"schemaVersion":2,"config":${junk},"layers":[]}`;
    expect(thrown(() => parseManifestDocument(encode(text))).message).toBe('invalid image manifest: config must be a JSON object, got an array');
    const nestedObjects = `{"schemaVersion":2,"x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    expect(thrown(() => parseImageManifest(encode(nestedObjects))).message).toBe('invalid image manifest: config is missing');
  });

  it('a 5 MiB document is TOO_LARGE before it is parsed', () => {
    // Not JSON at all: if the size were not checked first, this would be INVALID_MANIFEST.
    const fiveMiB = new Uint8Array(5 * 1024 * 1024).fill(0x7b);
    for (const parse of [parseManifestDocument, parseImageManifest, parseImageIndex]) {
      const error = thrown(() => parse(fiveMiB));
      expect(error.code).toBe(ErrorCode.TOO_LARGE);
      expect(error.details).toMatchObject({ size: 5 * 1024 * 1024, limit: MAX_MANIFEST_BYTES });
      expect(error.message).toMatch(/is 5242880 bytes, more than the limit of 4194304 bytes \(4 MiB\)$/);
    }
    expect(thrown(() => parseManifestDocument(new Uint8Array(MAX_MANIFEST_BYTES + 1))).code).toBe(ErrorCode.TOO_LARGE);
    expect(thrown(() => parseImageConfig(fiveMiB, { maxBytes: 1024 })).code).toBe(ErrorCode.TOO_LARGE);
  });

  it('a bad maxBytes or a non-byte input is INVALID_ARGUMENT', () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN]) {
      expect(thrown(() => parseManifestDocument(bytesOf(ociManifest()), { maxBytes })).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
    expect(thrown(() => parseManifestDocument(JSON.stringify(ociManifest()) as unknown as Uint8Array)).code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('digests inside documents', () => {
  const bad: [string, unknown, RegExp][] = [
    ['uppercase hex', `sha256:${'A'.repeat(64)}`, /hex characters must be lowercase/],
    ['too short', 'sha256:zz', /a sha256 digest has 64 hex characters, this one has 2/],
    ['other algorithm', `sha512:${'a'.repeat(128)}`, /unsupported algorithm "sha512"/],
    ['path traversal', `sha256:../../../etc/passwd${'a'.repeat(45)}`, /must be lowercase hex/],
    ['no algorithm', 'a'.repeat(64), /expected "sha256:"/],
    ['trailing newline', `${digests.layer1}\n`, /64 hex characters, this one has 65/],
    ['not a string', 12, /must be a string/],
  ];

  for (const [name, digest, problem] of bad) {
    it(`refuses a digest that is ${name}, naming where it is`, () => {
      const error = thrown(() => parseManifestDocument(manifestWithLayerDigest(digest)));
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.message).toMatch(/^invalid image manifest: layers\[2\]\.digest /);
      expect(error.message).toMatch(problem);
      expect(error.details['path']).toBe('layers[2].digest');
      expect(S3loError.isInstance(error.cause, ErrorCode.INVALID_DIGEST)).toBe(true);
    });
  }

  it('formats the message as the brief example does', () => {
    expect(thrown(() => parseManifestDocument(manifestWithLayerDigest('sha256:zz'))).message).toBe(
      'invalid image manifest: layers[2].digest "sha256:zz" is invalid: a sha256 digest has 64 hex characters, this one has 2',
    );
  });

  it('checks config, subject, index entries and diff_ids too', () => {
    const badDigest = 'sha256:1234';
    const paths: [() => unknown, string][] = [
      [() => parseImageManifest(bytesOf({ ...ociManifest(), config: { mediaType: 'x', digest: badDigest, size: 1 } })), 'config.digest'],
      [() => parseImageManifest(bytesOf({ ...ociManifest(), subject: { mediaType: 'x', digest: badDigest, size: 1 } })), 'subject.digest'],
      [() => parseImageIndex(bytesOf({ ...ociIndex(), manifests: [{ mediaType: 'x', digest: badDigest, size: 1 }] })), 'manifests[0].digest'],
      [() => parseImageConfig(bytesOf({ ...ociConfig(), rootfs: { type: 'layers', diff_ids: [digests.diff1, badDigest] } })), 'rootfs.diff_ids[1]'],
    ];
    for (const [parse, path] of paths) {
      const error = thrown(parse);
      expect(error.code).toBe(ErrorCode.INVALID_MANIFEST);
      expect(error.details['path']).toBe(path);
    }
  });
});

describe('__proto__ in untrusted JSON', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>)['polluted'];
  });

  it('does not pollute Object.prototype and does not reach the result', () => {
    const text = JSON.stringify(ociManifest()).replace('"annotations":{', '"__proto__":{"polluted":"yes"},"annotations":{"__proto__":{"polluted":"yes"},');
    expect(text).toContain('"__proto__"');
    const doc = parseManifestDocument(encode(text));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    if (doc.kind !== 'manifest') throw new Error('expected a manifest');
    expect(Object.getPrototypeOf(doc.manifest)).toBe(Object.prototype);
    expect(Object.hasOwn(doc.manifest, '__proto__')).toBe(false);
    expect(Object.keys(doc.manifest.annotations ?? {})).not.toContain('__proto__');
    // Even a careless merge of the result cannot be turned into a prototype setter.
    const merged = Object.assign({}, doc.manifest, doc.manifest.annotations);
    expect((merged as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('cannot supply a missing required field through the prototype', () => {
    const { schemaVersion: _, ...rest } = ociManifest();
    const text = JSON.stringify({ ...rest, x: 1 }).replace('"x":1', '"__proto__":{"schemaVersion":2}');
    expect(thrown(() => parseManifestDocument(encode(text))).message).toBe('invalid image manifest: schemaVersion is missing');
  });

  it('does not let an escaped __proto__ key through either', () => {
    const text = JSON.stringify(ociManifest()).replace('"annotations":{', '"annotations":{"\\u005f_proto__":{"polluted":"yes"},');
    const doc = parseManifestDocument(encode(text));
    if (doc.kind !== 'manifest') throw new Error('expected a manifest');
    expect(Object.keys(doc.manifest.annotations ?? {})).not.toContain('__proto__');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
