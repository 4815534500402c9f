import { describe, expect, it } from 'vitest';
import { effectiveImageConfig, parseBucketConfig } from '../../src/bucket-config/bucket-config.js';
import { matchGoPath } from '../../src/bucket-config/go-path-match.js';
import { thrown } from '../support/thrown.js';

const immutable = (text: string, image: string) => effectiveImageConfig(parseBucketConfig(text, 'test'), image).immutable === true;

describe('s3lo.yaml, as the Go s3lo reads it', () => {
  it("Go's path.Match: * and ? stop at /, classes, escapes", () => {
    expect(matchGoPath('team/*', 'team/app')).toBe(true);
    expect(matchGoPath('team/*', 'team/a/b')).toBe(false);
    expect(matchGoPath('app?', 'app1')).toBe(true);
    expect(matchGoPath('app[0-9]', 'app7')).toBe(true);
    expect(matchGoPath('app[^0-9]', 'app7')).toBe(false);
    expect(matchGoPath('a\\*b', 'a*b')).toBe(true);
    expect(matchGoPath('a.b', 'axb')).toBe(false);
    expect(matchGoPath('[unclosed', '[unclosed')).toBe(false);
  });

  it('exact names win over patterns, longer patterns over shorter; default otherwise', () => {
    const text = 'default:\n  immutable: true\nimages:\n  "*":\n    immutable: false\n  team/*:\n    immutable: true\n  team/scratch:\n    immutable: false\n';
    expect(immutable(text, 'team/app')).toBe(true);
    expect(immutable(text, 'team/scratch')).toBe(false);
    expect(immutable(text, 'solo')).toBe(false);
    expect(immutable(text, 'deep/er/name')).toBe(true);
    expect(immutable('', 'x')).toBe(false);
    expect(immutable('# only a comment\n', 'x')).toBe(false);
  });

  it("reads what Go's yaml.v3 writes (4-space indents) and what people write by hand", () => {
    const goWritten =
      'default:\n    immutable: false\nimages:\n    team/*:\n        immutable: true\n        lifecycle:\n            keep_last: 5\n            keep_tags:\n                - latest\n                - stable\n';
    expect(effectiveImageConfig(parseBucketConfig(goWritten, 'test'), 'team/app')).toEqual({
      immutable: true,
      lifecycle: { keepLast: 5, keepTags: ['latest', 'stable'] },
    });
    const byHand = [
      '---',
      '# the bucket of team X',
      'default: {immutable: yes}   # YAML 1.1 booleans, as Go decodes them into a bool',
      'images:',
      '  \'dev/*\': { immutable: false, lifecycle: {max_age: 30d, keep_tags: [main, "release-1"]} }',
      '  prod/app:',
      '    lifecycle:',
      '      keep_tags:',
      '      - v1',
      "policies:            # the Go tool's; not read here",
      '  - name: no-criticals',
      '    check: scan',
      '    max_severity: CRITICAL',
    ].join('\n');
    const config = parseBucketConfig(byHand, 'test');
    expect(effectiveImageConfig(config, 'dev/x')).toEqual({ immutable: false, lifecycle: { maxAge: '30d', keepTags: ['main', 'release-1'] } });
    expect(effectiveImageConfig(config, 'prod/app')).toEqual({ immutable: true, lifecycle: { keepTags: ['v1'] } });
    expect(effectiveImageConfig(config, 'other')).toEqual({ immutable: true });
  });

  it('refuses what it cannot read with certainty, with the line: the configuration fails closed', () => {
    const cases: [string, RegExp][] = [
      ['default:\n  immutable: "yes"\n', /line 2: "default.immutable" is not true or false/],
      ['default:\n  immutable: maybe\n', /line 2: "default.immutable" is not true or false/],
      ['default: [unclosed\n', /line 1: expected "," or "]"/],
      ['default: &d\n  immutable: true\nimages:\n  x: *d\n', /line 1: anchors and aliases/],
      ['images:\n  x:\n    immutable: true\n  x:\n    immutable: false\n', /line 4: key "x" appears twice/],
      ['default:\n\timmutable: true\n', /line 2: a tab in indentation/],
      ['default:\n  immutable: !!bool true\n', /line 2: tags \(!\)/],
      ['default:\n  lifecycle:\n    max_age: |\n      30d\n', /line 3: block scalars/],
      ['default:\n  immutable: true\n    extra: 1\n', /line 3: unexpected indentation/],
      ['a: 1\n---\nb: 2\n', /line 2: a second document/],
      ['images:\n  x:\n    lifecycle:\n      keep_last: ten\n', /line 4: "images.x.lifecycle.keep_last" is not a whole number/],
      ['images: [a, b]\n', /line 1: "images" is not a mapping/],
      ['- a\n- b\n', /line 1: the document is not a mapping/],
      ['default:\n  immutable: "true\n', /line 2: a quoted string is not closed/],
    ];
    for (const [text, problem] of cases) {
      const error = thrown(() => parseBucketConfig(text, 's3://b'));
      expect(error.code, text).toBe('INVALID_CONFIG');
      expect(error.message, text).toMatch(/^s3lo\.yaml of s3:\/\/b is not valid: /);
      expect(error.message, text).toMatch(problem);
    }
  });

  it('quoted scalars: escapes, doubled single quotes, # inside quotes is no comment', () => {
    const config = parseBucketConfig('images:\n  "a#b": {immutable: true}\n  \'it\'\'s\': {immutable: true}\n  "t\\u0065am/*": {immutable: true}  # a comment\n', 'test');
    expect([...config.images.keys()]).toEqual(['a#b', "it's", 'team/*']);
  });
});

describe('s3lo.yaml parser on hostile input', () => {
  it('20 000 seeded random documents: each parses or fails with INVALID_CONFIG, never a crash', () => {
    let seed = 0x5eed;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
    const pieces = [
      'default',
      'images',
      'immutable',
      'lifecycle',
      'keep_tags',
      ':',
      ': ',
      ' ',
      '  ',
      '\n',
      '- ',
      '-',
      '[',
      ']',
      '{',
      '}',
      ',',
      '"',
      "'",
      '\\',
      '#',
      '&a',
      '*a',
      '!',
      '|',
      '>',
      '?',
      'true',
      'x',
      '\t',
      '---',
      '...',
      '%',
      'é',
      '\u0000',
    ];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let j = 0; j < length; j++) text += pieces[Math.floor(random() * pieces.length)];
      try {
        parseBucketConfig(text, 'fuzz');
      } catch (error) {
        expect(
          thrown(() => {
            throw error;
          }).code,
          JSON.stringify(text),
        ).toBe('INVALID_CONFIG');
      }
    }
  });
});
