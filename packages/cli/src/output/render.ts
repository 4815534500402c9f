import type { OutputFormat } from '../args/options.js';
import { toYaml } from './yaml.js';

/**
 * The one document `-o json|yaml` prints on stdout: the library's result
 * object as it is (arrays stay arrays; an empty list is `[]`).
 */
export function renderDocument(result: unknown, format: Exclude<OutputFormat, 'text'>): string {
  if (format === 'yaml') return toYaml(result);
  return `${JSON.stringify(result ?? null, null, 2)}\n`;
}
