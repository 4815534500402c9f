import type { ListOptions, ListPage, ObjectInfo, StorageBackend } from '@s3lo/core/storage';
import { compareKeys } from './keys.js';

/** Every page of one listing, checked page by page. */
export interface CollectedListing {
  readonly objects: ObjectInfo[];
  readonly commonPrefixes: string[];
  /** Objects' keys and common prefixes, in the order the pages gave them. */
  readonly entries: string[];
  readonly pages: ListPage[];
}

const MAX_PAGE_SIZE = 1000;

/**
 * Lists page after page until there is no `nextToken`, failing with the page
 * number and token as soon as a page breaks the contract: more entries than
 * the page size, entries out of UTF-8 byte order or repeated (also across
 * pages), common prefixes without a delimiter, malformed object info, or a
 * token that does not advance.
 */
export async function collectListing(backend: StorageBackend, options: Omit<ListOptions, 'continuationToken'>, label: string): Promise<CollectedListing> {
  const cap = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const objects: ObjectInfo[] = [];
  const commonPrefixes: string[] = [];
  const entries: string[] = [];
  const pages: ListPage[] = [];
  let token: string | undefined;
  let emptyPagesInARow = 0;
  do {
    const where = `${label}, page ${pages.length + 1}${token === undefined ? '' : ` (continuationToken ${JSON.stringify(token.length > 60 ? `${token.slice(0, 57)}...` : token)})`}`;
    const page = await backend.list({ ...options, continuationToken: token });
    pages.push(page);
    if (!Array.isArray(page.objects) || !Array.isArray(page.commonPrefixes)) {
      throw new Error(`${where}: a page must have arrays objects and commonPrefixes`);
    }
    const count = page.objects.length + page.commonPrefixes.length;
    if (count > cap) throw new Error(`${where}: ${count} entries on one page, more than the page size ${cap}`);
    if (!options.delimiter && page.commonPrefixes.length > 0) {
      throw new Error(`${where}: common prefixes ${JSON.stringify(page.commonPrefixes.slice(0, 3))} returned without a delimiter`);
    }
    for (const object of page.objects) checkObjectInfo(object, where);
    checkAscending(
      page.objects.map((o) => o.key),
      `${where}: objects`,
    );
    checkAscending(page.commonPrefixes, `${where}: commonPrefixes`);
    const pageEntries = [...page.objects.map((o) => o.key), ...page.commonPrefixes].sort(compareKeys);
    const last = entries.at(-1);
    const first = pageEntries[0];
    if (last !== undefined && first !== undefined && compareKeys(first, last) <= 0) {
      throw new Error(`${where}: entry ${JSON.stringify(first)} does not sort after ${JSON.stringify(last)}, the last entry of the previous page (repeated or out of order across pages)`);
    }
    objects.push(...page.objects);
    commonPrefixes.push(...page.commonPrefixes);
    entries.push(...pageEntries);
    if (page.nextToken !== undefined && (typeof page.nextToken !== 'string' || page.nextToken === '')) {
      throw new Error(`${where}: nextToken must be absent or a non-empty string, got ${JSON.stringify(page.nextToken)}`);
    }
    if (page.nextToken !== undefined && page.nextToken === token) {
      throw new Error(`${where}: nextToken is the token this page was requested with; the listing would never end`);
    }
    emptyPagesInARow = count === 0 ? emptyPagesInARow + 1 : 0;
    if (emptyPagesInARow > 10) throw new Error(`${where}: more than 10 empty pages in a row that still carry a nextToken`);
    token = page.nextToken;
  } while (token !== undefined);
  return { objects, commonPrefixes, entries, pages };
}

function checkObjectInfo(object: ObjectInfo, where: string): void {
  const shown = JSON.stringify(object.key);
  if (typeof object.key !== 'string' || object.key === '') throw new Error(`${where}: an object has no key`);
  if (!Number.isSafeInteger(object.size) || object.size < 0) {
    throw new Error(`${where}: object ${shown} has size ${String(object.size)}, not a non-negative integer`);
  }
  if (!(object.lastModified instanceof Date) || Number.isNaN(object.lastModified.getTime())) {
    throw new Error(`${where}: object ${shown} has lastModified ${String(object.lastModified)}, not a valid Date`);
  }
}

function checkAscending(keys: readonly string[], where: string): void {
  for (let i = 1; i < keys.length; i++) {
    const previous = keys[i - 1] as string;
    const current = keys[i] as string;
    if (compareKeys(previous, current) >= 0) {
      throw new Error(`${where}: ${JSON.stringify(current)} at position ${i} does not sort after ${JSON.stringify(previous)} (UTF-8 byte order, no repeats)`);
    }
  }
}

/**
 * Fails unless `actual` equals `expected`, naming the first difference and
 * what is missing or unexpected rather than printing two huge arrays.
 */
export function assertSameKeys(actual: readonly string[], expected: readonly string[], label: string): void {
  if (actual.length === expected.length && actual.every((key, i) => key === expected[i])) return;
  const actualSet = new Set(actual);
  const expectedSet = new Set(expected);
  const missing = expected.filter((key) => !actualSet.has(key));
  const unexpected = actual.filter((key) => !expectedSet.has(key));
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const show = (keys: string[]): string =>
    keys.length === 0
      ? 'none'
      : `${keys.length} (${keys
          .slice(0, 5)
          .map((k) => JSON.stringify(k))
          .join(', ')}${keys.length > 5 ? ', ...' : ''})`;
  throw new Error(
    `${label}: listed ${actual.length} entries, expected ${expected.length}. ` +
      `First difference at position ${at}: listed ${JSON.stringify(actual[at])}, expected ${JSON.stringify(expected[at])}. ` +
      `Missing: ${show(missing)}. Unexpected: ${show(unexpected)}.`,
  );
}
