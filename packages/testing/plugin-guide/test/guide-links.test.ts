import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..', '..', '..');
const pages = ['docs/plugin-authors.md', 'packages/backend-conformance/README.md', 'examples/backend-memory/README.md', 'README.md'];

/** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => slug(heading!)));
}

/** Relative links of a page: `[text](target)` outside code blocks, without URLs. */
function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```$/gm, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target!).filter((target) => !/^[a-z]+:/.test(target));
}

describe('links of the plugin author pages', () => {
  for (const page of pages) {
    it(`every relative link of ${page} names a file and a heading that exist`, () => {
      const markdown = readFileSync(join(repo, page), 'utf8');
      const broken: string[] = [];
      for (const link of relativeLinks(markdown)) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const file = path === '' ? join(repo, page) : join(repo, dirname(page), path);
        if (!existsSync(file)) {
          broken.push(`${link}: no ${file}`);
          continue;
        }
        if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${link}: no heading #${anchor}`);
      }
      expect(broken).toEqual([]);
    });
  }
});
