import { describe, expect, it } from 'vitest';
import { MAX_REFERENCE_LENGTH, isValidImageName, isValidTag, parse, parseBucketLocation, parseImageLocation, parseRegistryReference, parseTransportReference } from '../../src/ref/index.js';
import { expectInvalid } from './expect-invalid.js';

const PARSERS = {
  parse,
  parseBucketLocation,
  parseRegistryReference,
  parseTransportReference,
  parseImageLocation: (text: string) => parseImageLocation(text),
} as const;

// Each parser, given a text it would otherwise accept.
const VALID: Record<keyof typeof PARSERS, (infix: string) => string> = {
  parse: (x) => `s3://b/app${x}:v1`,
  parseBucketLocation: (x) => `s3://b/team${x}/`,
  parseRegistryReference: (x) => `ghcr.io/o/app${x}:v1`,
  parseTransportReference: (x) => `oci:./dir${x}:v1`,
  parseImageLocation: (x) => `s3://b/app${x}:v1`,
};

describe('hostile input, every parser', () => {
  for (const [name, run] of Object.entries(PARSERS) as [keyof typeof PARSERS, (text: string) => unknown][]) {
    describe(name, () => {
      it('accepts the baseline', () => {
        expect(() => run(VALID[name](''))).not.toThrow();
      });

      it.each([
        ['\u0000', 'U+0000'],
        ['\n', 'U+000A'],
        ['\r', 'U+000D'],
        ['\t', 'U+0009'],
        ['\u001b[31m', 'U+001B'],
        ['\u007f', 'U+007F'],
        ['\u0085', 'U+0085'],
        ['\u200b', 'U+200B'],
        ['\u202e', 'U+202E'],
        ['\u2066', 'U+2066'],
        ['\ufeff', 'U+FEFF'],
      ])('rejects the control or invisible character %j', (char, code) => {
        const text = VALID[name](char);
        expectInvalid(() => run(text), text, `control or invisible character ${code}`);
      });

      it('rejects an unpaired surrogate', () => {
        const text = VALID[name]('\ud800');
        expectInvalid(() => run(text), text, 'unpaired surrogate');
      });

      it('rejects surrounding whitespace', () => {
        for (const text of [` ${VALID[name]('')}`, `${VALID[name]('')} `]) expectInvalid(() => run(text), text, 'leading or trailing whitespace');
      });

      it('rejects the empty string', () => {
        expectInvalid(() => run(''), '', 'the reference is empty');
      });

      it(`rejects a 10 KB reference (more than ${MAX_REFERENCE_LENGTH} characters) with a short message`, () => {
        const text = VALID[name]('a'.repeat(10 * 1024));
        const e = expectInvalid(() => run(text), text, `at most ${MAX_REFERENCE_LENGTH} characters, this one has ${text.length}`);
        expect(e.message.length).toBeLessThan(400);
        expect(e.message).toContain(text.slice(0, 40));
      });

      it('rejects non-strings from JavaScript callers', () => {
        for (const value of [undefined, null, 42, {}]) {
          let thrown: unknown;
          try {
            run(value as unknown as string);
          } catch (error) {
            thrown = error;
          }
          expect((thrown as { code?: string }).code).toBe('INVALID_REFERENCE');
          expect((thrown as Error).message).toContain('a reference must be a string');
        }
      });
    });
  }
});

describe('no valid bucket reference escapes its bucket', () => {
  // Every shape of reference the parser accepts, including the odd ones.
  const accepted = [
    's3://b/app:v1',
    's3://b/app',
    's3://b/a/b/c:_x',
    's3://b/a.b..c/d...e:v..1',
    's3://b/_/__:_',
    's3://b.x-y/app:v1',
    'local://./store/app:v1',
    'local://../store/app:v1',
    'local://../../store/app:v1',
    'local:///var/lib/s3lo//team/app:v1',
    'local://..//app:v1',
    `s3://b/${'a'.repeat(255)}:${'t'.repeat(128)}`,
  ];

  it.each(accepted)('%s: manifestsPrefix() starts with manifests/ and has no "." or ".." component', (text) => {
    const prefix = parse(text).manifestsPrefix();
    expect(prefix.startsWith('manifests/')).toBe(true);
    expect(prefix.endsWith('/')).toBe(true);
    const components = prefix.slice(0, -1).split('/');
    expect(components).not.toContain('..');
    expect(components).not.toContain('.');
    expect(components).not.toContain('');
    expect(prefix).not.toContain('\\');
    expect(prefix.split('/')).toHaveLength(parse(text).image.split('/').length + 3);
  });

  it('holds for generated references too', () => {
    // A small deterministic fuzz over the characters that matter for traversal.
    const alphabet = ['a', '.', '..', '/', ':', '@', '\\', '-', '_', 'sha256:', 'b'.repeat(64), '%2e'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      let tail = '';
      const length = 1 + (next() % 6);
      for (let j = 0; j < length; j++) tail += alphabet[next() % alphabet.length];
      for (const text of [`s3://b/${tail}`, `local://./store/${tail}`, `local:///x/y//${tail}`]) {
        let r;
        try {
          r = parse(text);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('INVALID_REFERENCE');
          continue;
        }
        accepted++;
        expect(parse(r.toString())).toEqual(r);
        if (r.tag === undefined) continue;
        const parts = r.manifestsPrefix().split('/');
        expect(parts.every((p) => p !== '.' && p !== '..')).toBe(true);
        expect(r.manifestsPrefix().includes('\\')).toBe(false);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('bucket-level filters never hold "." or ".." either', () => {
    for (const text of ['s3://b/../', 's3://b/./', 's3://b/team/..', 'local://./store/../', 'local:///x//..']) {
      expectInvalid(() => parseBucketLocation(text), text, 'component');
    }
  });
});

describe('isValidTag / isValidImageName', () => {
  it.each([
    ['v1', true],
    ['latest', true],
    ['_', true],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['', false],
    ['.', false],
    ['..', false],
    ['-x', false],
    ['a/b', false],
    ['a\\b', false],
    ['a b', false],
  ])('isValidTag(%j) = %s', (tag, valid) => {
    expect(isValidTag(tag)).toBe(valid);
  });

  it.each([
    ['app', true],
    ['team/app', true],
    ['a.b/c_d/e-f', true],
    ['', false],
    ['/app', false],
    ['app/', false],
    ['a//b', false],
    ['../app', false],
    ['a/./b', false],
    ['a\\b', false],
    ['a:b', false],
    ['a@b', false],
  ])('isValidImageName(%j) = %s', (name, valid) => {
    expect(isValidImageName(name)).toBe(valid);
  });

  it('rejects non-strings', () => {
    expect(isValidTag(1)).toBe(false);
    expect(isValidImageName(undefined)).toBe(false);
  });
});
