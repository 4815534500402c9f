import { stringify } from 'yaml';

// The `yaml` library (not hand-written: quoting rules are where YAML
// emitters go wrong). About 70 modules: imported by output/render.ts only
// for -o yaml, so no other command pays for it.

/**
 * A JSON value as a YAML document. The `yaml` package (pinned) decides
 * quoting, so strings that would read back as numbers, booleans, null or
 * dates (`"1.0"`, `"yes"`, `"2024-01-01"`) stay strings. Written with YAML
 * 1.1's rules, the stricter ones: `yes`/`on` are booleans there (PyYAML,
 * Go's yaml.v2), so they get quoted, and the output reads the same in 1.2.
 */
export function toYaml(value: unknown): string {
  // Round-trip through JSON first: the result is then plain data (no
  // undefined, no class instances), exactly what `-o json` prints.
  const plain: unknown = JSON.parse(JSON.stringify(value ?? null));
  return stringify(plain, { lineWidth: 0, version: '1.1', aliasDuplicateObjects: false });
}
