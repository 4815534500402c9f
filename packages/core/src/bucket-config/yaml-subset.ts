/**
 * The part of YAML a bucket's `s3lo.yaml` is written in, read without a
 * dependency (core has none): what the Go s3lo's yaml.v3 writes, and what
 * people write by hand in its place.
 *
 * Read: block mappings and sequences (a sequence may sit at its key's
 * indentation), `- key: value` items, one-line flow collections
 * (`[a, b]`, `{immutable: true}`), plain, 'single' and "double" quoted
 * scalars, `#` comments, a leading `---`.
 *
 * Refused with the line number, never guessed: anchors and aliases, tags
 * (`!!str`), block scalars (`|`, `>`), multi-line plain or flow values,
 * complex keys (`?`), several documents, tabs in indentation, duplicate
 * keys. The configuration decides whether tags may be overwritten: what
 * cannot be read with certainty fails closed.
 */

/** A scalar as written: its text, and whether it was quoted (a quoted `true` is a string). */
export interface YamlScalar {
  readonly kind: 'scalar';
  readonly value: string;
  readonly quoted: boolean;
  readonly line: number;
}

/** A mapping, keys in the order written. */
export interface YamlMapping {
  readonly kind: 'mapping';
  readonly entries: ReadonlyMap<string, YamlNode>;
  readonly line: number;
}

export interface YamlSequence {
  readonly kind: 'sequence';
  readonly items: readonly YamlNode[];
  readonly line: number;
}

/** `null` is an empty value, `~` or `null` unquoted. */
export interface YamlNull {
  readonly kind: 'null';
  readonly line: number;
}

export type YamlNode = YamlScalar | YamlMapping | YamlSequence | YamlNull;

/** What is wrong and where; the caller turns it into its own error. */
export class YamlSubsetError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'YamlSubsetError';
  }
}

interface Line {
  readonly number: number;
  indent: number;
  text: string;
}

/**
 * Parses a document of the subset. An empty document (or only comments) is
 * null.
 *
 * @throws YamlSubsetError for anything outside the subset or malformed.
 *
 * @example
 * ```ts
 * const doc = parseYamlSubset('default:\n  immutable: true\nimages:\n  "dev/*": {immutable: false}\n');
 * // { kind: 'mapping', entries: Map { 'default' => mapping, 'images' => mapping } }
 * ```
 */
export function parseYamlSubset(text: string): YamlNode {
  const lines = toLines(text);
  if (lines.length === 0) return { kind: 'null', line: 1 };
  const parser = new BlockParser(lines);
  const first = lines[0] as Line;
  const node = parser.block(first.indent);
  const rest = parser.peek();
  if (rest !== undefined) throw new YamlSubsetError(rest.number, rest.indent > first.indent ? 'unexpected indentation' : 'unexpected content after the document');
  return node;
}

/** Meaningful lines: comments and blank lines dropped, indentation measured, `---` allowed first. */
function toLines(text: string): Line[] {
  const lines: Line[] = [];
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, source] of raw.entries()) {
    const number = i + 1;
    const content = stripComment(source, number).trimEnd();
    if (content.trim() === '') continue;
    const indent = content.length - content.trimStart().length;
    if (/^[ ]*\t/.test(content)) throw new YamlSubsetError(number, 'a tab in indentation (YAML indents with spaces)');
    const body = content.slice(indent);
    if (body === '---' && indent === 0) {
      if (lines.length > 0) throw new YamlSubsetError(number, 'a second document (---): s3lo.yaml holds one');
      continue;
    }
    if (body === '...' && indent === 0) break;
    if (body.startsWith('%')) throw new YamlSubsetError(number, 'YAML directives (%) are not read here');
    lines.push({ number, indent, text: body });
  }
  return lines;
}

/** The line without its comment: a `#` at the start or after a space, outside quotes. */
function stripComment(line: string, number: number): string {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if (quote === "'") {
      if (c === "'" && line[i + 1] === "'") i++;
      else if (c === "'") quote = undefined;
    } else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) {
      return line.slice(0, i);
    } else if ((c === '"' || c === "'") && startsScalar(line, i)) {
      quote = c;
    }
  }
  if (quote !== undefined) throw new YamlSubsetError(number, 'a quoted string is not closed on its line');
  return line;
}

/** Whether a quote at `i` opens a quoted scalar (it does after an indicator or at the start, not inside a plain word like `it's`). */
function startsScalar(line: string, i: number): boolean {
  const before = line.slice(0, i).trimEnd();
  return before === '' || /[:\-[{,?]$/.test(before);
}

class BlockParser {
  #next = 0;
  constructor(private readonly lines: Line[]) {}

  peek(): Line | undefined {
    return this.lines[this.#next];
  }

  /** The block starting at the next line, which is at `indent`. */
  block(indent: number): YamlNode {
    const line = this.peek() as Line;
    return isSequenceItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): YamlSequence {
    const items: YamlNode[] = [];
    const start = (this.peek() as Line).number;
    for (let line = this.peek(); line !== undefined && line.indent === indent && isSequenceItem(line.text); line = this.peek()) {
      const content = line.text.slice(1).trimStart();
      if (content === '') {
        this.#next++;
        items.push(this.nested(indent, line.number, false));
        continue;
      }
      if (isSequenceItem(content) || splitKey(content, line.number) !== undefined) {
        // `- key: value` (or `- - x`): the item is a block whose first line starts after the dash.
        line.indent = indent + (line.text.length - content.length);
        line.text = content;
        items.push(this.block(line.indent));
        continue;
      }
      this.#next++;
      items.push(inlineValue(content, line.number));
    }
    return { kind: 'sequence', items, line: start };
  }

  private mapping(indent: number): YamlMapping {
    const entries = new Map<string, YamlNode>();
    const start = (this.peek() as Line).number;
    for (let line = this.peek(); line !== undefined && line.indent === indent && !isSequenceItem(line.text); line = this.peek()) {
      const split = splitKey(line.text, line.number);
      if (split === undefined) throw new YamlSubsetError(line.number, `expected "key: value", found ${JSON.stringify(line.text)}`);
      if (entries.has(split.key)) throw new YamlSubsetError(line.number, `key ${JSON.stringify(split.key)} appears twice in the same mapping`);
      this.#next++;
      entries.set(split.key, split.rest === '' ? this.nested(indent, line.number, true) : inlineValue(split.rest, line.number));
    }
    return { kind: 'mapping', entries, line: start };
  }

  /** The value of a key or dash with nothing after it: a deeper block, a sequence at the key's indentation, or null. */
  private nested(indent: number, number: number, sequenceAtSameIndent: boolean): YamlNode {
    const next = this.peek();
    if (next !== undefined && next.indent > indent) return this.block(next.indent);
    if (sequenceAtSameIndent && next !== undefined && next.indent === indent && isSequenceItem(next.text)) return this.sequence(indent);
    return { kind: 'null', line: number };
  }
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** `key: rest` with a plain or quoted key; undefined when the text is no mapping entry. */
function splitKey(text: string, number: number): { key: string; rest: string } | undefined {
  if (text.startsWith('? ') || text === '?') throw new YamlSubsetError(number, 'complex keys (?) are not read here');
  if (text.startsWith('"') || text.startsWith("'")) {
    const { value, end } = quoted(text, 0, number);
    const after = text.slice(end);
    if (!/^[ ]*:( |$)/.test(after)) return undefined;
    return { key: value, rest: after.replace(/^[ ]*:/, '').trim() };
  }
  const match = /^([^\s].*?)[ ]*:(?: (.*)|)$/.exec(text);
  if (match === null || /^[[{]/.test(text)) return undefined;
  const key = match[1] as string;
  checkPlainStart(key, number);
  return { key, rest: (match[2] ?? '').trim() };
}

/** A value written on the key's or dash's line. */
function inlineValue(text: string, number: number): YamlNode {
  if (text.startsWith('[') || text.startsWith('{')) {
    const reader = new FlowReader(text, number);
    const node = reader.value();
    reader.end();
    return node;
  }
  if (text.startsWith('"') || text.startsWith("'")) {
    const { value, end } = quoted(text, 0, number);
    if (text.slice(end).trim() !== '') throw new YamlSubsetError(number, `unexpected text after a quoted string: ${JSON.stringify(text.slice(end).trim())}`);
    return { kind: 'scalar', value, quoted: true, line: number };
  }
  return plain(text, number);
}

function plain(text: string, number: number): YamlScalar | YamlNull {
  checkPlainStart(text, number);
  if (/: |:$/.test(text)) throw new YamlSubsetError(number, `a value holding ": " must be quoted: ${JSON.stringify(text)}`);
  if (text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return { kind: 'null', line: number };
  return { kind: 'scalar', value: text, quoted: false, line: number };
}

function checkPlainStart(text: string, number: number): void {
  const c = text[0];
  if (c === '&' || c === '*') throw new YamlSubsetError(number, 'anchors and aliases (& *) are not read here: write the value out');
  if (c === '!') throw new YamlSubsetError(number, 'tags (!) are not read here: write the value without one');
  if (c === '|' || c === '>') throw new YamlSubsetError(number, 'block scalars (| >) are not read here: write the value on one line');
  if (c === '@' || c === '`') throw new YamlSubsetError(number, `a plain value cannot start with ${c}: quote it`);
}

/** A quoted scalar starting at `start`: its value and the index after the closing quote. */
function quoted(text: string, start: number, number: number): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'" && text[i + 1] === "'") {
        value += "'";
        i++;
      } else if (c === "'") return { value, end: i + 1 };
      else value += c;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const escaped = text[++i];
    const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', ' ': ' ' };
    if (escaped !== undefined && escaped in simple) {
      value += simple[escaped];
    } else if (escaped === 'u' || escaped === 'x') {
      const length = escaped === 'u' ? 4 : 2;
      const hex = text.slice(i + 1, i + 1 + length);
      if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(hex)) throw new YamlSubsetError(number, `a malformed \\${escaped} escape`);
      value += String.fromCharCode(parseInt(hex, 16));
      i += length;
    } else {
      throw new YamlSubsetError(number, `the escape \\${escaped ?? ''} is not read here`);
    }
  }
  throw new YamlSubsetError(number, 'a quoted string is not closed on its line');
}

/** A one-line flow collection: `[a, "b"]`, `{k: v, k2: [x]}`. */
class FlowReader {
  #i = 0;
  constructor(
    private readonly text: string,
    private readonly number: number,
  ) {}

  value(): YamlNode {
    this.skipSpaces();
    const c = this.text[this.#i];
    if (c === '[') return this.sequence();
    if (c === '{') return this.mapping();
    if (c === '"' || c === "'") {
      const { value, end } = quoted(this.text, this.#i, this.number);
      this.#i = end;
      return { kind: 'scalar', value, quoted: true, line: this.number };
    }
    const match = /^[^,[\]{}]*/.exec(this.text.slice(this.#i)) as RegExpExecArray;
    // In a flow mapping the key stops at ": "; a value never holds it.
    const raw = match[0].replace(/:( .*)?$/s, (m) => (m.startsWith(': ') || m === ':' ? '' : m));
    const textValue = raw.trim();
    if (textValue === '') throw this.fail('an empty entry');
    this.#i += raw.length;
    return plain(textValue, this.number);
  }

  end(): void {
    this.skipSpaces();
    if (this.#i < this.text.length) throw this.fail(`unexpected text after the collection: ${JSON.stringify(this.text.slice(this.#i))}`);
  }

  private sequence(): YamlSequence {
    this.#i++; // [
    const items: YamlNode[] = [];
    this.skipSpaces();
    if (this.eat(']')) return { kind: 'sequence', items, line: this.number };
    for (;;) {
      items.push(this.value());
      this.skipSpaces();
      if (this.eat(']')) return { kind: 'sequence', items, line: this.number };
      if (!this.eat(',')) throw this.fail('expected "," or "]" (a flow collection must close on its line)');
      this.skipSpaces();
      if (this.eat(']')) return { kind: 'sequence', items, line: this.number };
    }
  }

  private mapping(): YamlMapping {
    this.#i++; // {
    const entries = new Map<string, YamlNode>();
    this.skipSpaces();
    if (this.eat('}')) return { kind: 'mapping', entries, line: this.number };
    for (;;) {
      const key = this.value();
      if (key.kind !== 'scalar') throw this.fail('a flow mapping key must be a plain or quoted string');
      this.skipSpaces();
      if (!this.eat(':')) throw this.fail(`expected ":" after the key ${JSON.stringify(key.value)}`);
      if (entries.has(key.value)) throw this.fail(`key ${JSON.stringify(key.value)} appears twice in the same mapping`);
      this.skipSpaces();
      const next = this.text[this.#i];
      entries.set(key.value, next === ',' || next === '}' ? { kind: 'null', line: this.number } : this.value());
      this.skipSpaces();
      if (this.eat('}')) return { kind: 'mapping', entries, line: this.number };
      if (!this.eat(',')) throw this.fail('expected "," or "}" (a flow collection must close on its line)');
      this.skipSpaces();
      if (this.eat('}')) return { kind: 'mapping', entries, line: this.number };
    }
  }

  private skipSpaces(): void {
    while (this.text[this.#i] === ' ') this.#i++;
  }

  private eat(c: string): boolean {
    if (this.text[this.#i] !== c) return false;
    this.#i++;
    return true;
  }

  private fail(problem: string): YamlSubsetError {
    return new YamlSubsetError(this.number, problem);
  }
}
