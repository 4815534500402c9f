import type { OutputFormat } from '../args/options.js';

/**
 * The one document `-o json|yaml` prints on stdout: the library's result
 * object as it is (arrays stay arrays; an empty list is `[]`).
 */
export async function renderDocument(result: unknown, format: Exclude<OutputFormat, 'text'>): Promise<string> {
  // The yaml package is ~70 modules: loaded for -o yaml only.
  if (format === 'yaml') return (await import('./yaml.js')).toYaml(result);
  return `${JSON.stringify(result ?? null, null, 2)}\n`;
}
