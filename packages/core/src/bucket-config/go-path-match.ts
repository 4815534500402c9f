/**
 * Go's `path.Match`, which the Go s3lo uses for the image patterns of
 * `s3lo.yaml`: `*` is any run of characters but `/`, `?` one character but
 * `/`, `[a-z]`/`[^a-z]` a class, `\` escapes. A malformed pattern matches
 * nothing (Go reports ErrBadPattern, and the Go s3lo skips the pattern).
 */
export function matchGoPath(pattern: string, name: string): boolean {
  const regex = compile(pattern);
  return regex?.test(name) === true;
}

const cache = new Map<string, RegExp | undefined>();

function compile(pattern: string): RegExp | undefined {
  if (cache.has(pattern)) return cache.get(pattern);
  let source = '';
  let ok = true;
  for (let i = 0; i < pattern.length && ok; i++) {
    const c = pattern[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\') {
      const next = pattern[++i];
      if (next === undefined) ok = false;
      else source += escapeRegExpChar(next);
    } else if (c === '[') {
      const end = classEnd(pattern, i + 1);
      if (end < 0) ok = false;
      else {
        let body = pattern.slice(i + 1, end);
        const negated = body.startsWith('^');
        if (negated) body = body.slice(1);
        const members = classMembers(body);
        if (members === undefined) ok = false;
        else source += negated ? `[^/${members}]` : `[${members}]`;
        i = end;
      }
    } else source += escapeRegExpChar(c);
  }
  const regex = ok ? safeRegExp(`^${source}$`) : undefined;
  cache.set(pattern, regex);
  return regex;
}

/** The members of a class body as regex class text: `a-z`, escapes resolved, specials escaped. */
function classMembers(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    let c = body[i] as string;
    if (c === '\\') {
      c = body[++i] ?? '';
      if (c === '') return undefined;
      out += `\\${c}`;
    } else if (c === '-' && out !== '' && i < body.length - 1) out += '-';
    else if (c === '-') return undefined;
    else out += /[\]\\^[]/.test(c) ? `\\${c}` : c;
  }
  return out === '' ? undefined : out;
}

function classEnd(pattern: string, from: number): number {
  for (let i = from; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']' && i > from) return i;
  }
  return -1;
}

function escapeRegExpChar(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function safeRegExp(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}
