/**
 * A YAML document with positions: every error names the file, line and
 * column of the node it is about (eemeli/yaml ranges + LineCounter).
 */

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { InputError } from '../../run/input-error.js';
import { didYouMean } from '../did-you-mean.js';
import { parseNumber } from '../numbers.js';

/**
 * Parse YAML text with positions. Syntax errors (including duplicate keys)
 * become an InputError at the first one.
 */
export function parseYaml(text: string, file: string): { file: string; lineCounter: LineCounter; doc: Document.Parsed } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const at = lineCounter.linePos(err.pos[0]);
    // yaml reports its own stack running out as an error at the node it was reading: say what that means.
    const what = /Maximum call stack size exceeded/.test(err.message) ? 'collections nested too deeply to read: expected a shallower document' : firstLine(err.message);
    throw new InputError(file, at.line, at.col, `YAML syntax error: ${what}${hint(text, err.pos[0], err.message)}`);
  }
  return { file, lineCounter, doc };
}

/**
 * What a scenario writer most likely meant: `name[i]` (a page of a handle) inside a `{ }` flow
 * mapping is YAML's flow sequence, not part of the value.
 */
function hint(text: string, pos: number, message: string): string {
  if (/flow-seq-start/.test(message) && text[pos] === '[' && /[A-Za-z0-9_]$/.test(text.slice(0, pos))) {
    const name = /([A-Za-z_][A-Za-z0-9_]*)$/.exec(text.slice(0, pos))?.[1] ?? 'name';
    const idx = /^\[(\d+)\]/.exec(text.slice(pos))?.[1] ?? '0';
    return ` (inside { }, a page of a handle is ${name}.${idx}, or quote it: "${name}[${idx}]")`;
  }
  return '';
}

export class YamlSource {
  readonly doc: Document.Parsed;
  /** Also what the machine loader takes to place an embedded `machine:` node. */
  readonly lineCounter: LineCounter;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    const p = parseYaml(text, file);
    this.doc = p.doc;
    this.lineCounter = p.lineCounter;
  }

  /** Line and column (1-based) of a node, or of the document start. */
  pos(node: Node | null | undefined): { line: number; col: number } {
    const off = node?.range?.[0] ?? 0;
    return this.lineCounter.linePos(off);
  }

  fail(node: Node | null | undefined, detail: string): never {
    const p = this.pos(node);
    throw new InputError(this.file, p.line, p.col, detail);
  }

  /** The node as a mapping, else an error saying what was expected. */
  map(node: Node | null | undefined, what: string): YAMLMap<Node, Node> {
    if (!isMap(node)) this.fail(node, `expected ${what} (a mapping)`);
    return node as YAMLMap<Node, Node>;
  }

  seq(node: Node | null | undefined, what: string): YAMLSeq<Node> {
    if (!isSeq(node)) this.fail(node, `expected ${what} (a list)`);
    return node as YAMLSeq<Node>;
  }

  /** A mapping's pairs, refusing keys not in `allowed` (with a suggestion) and duplicates. */
  pairs(m: YAMLMap<Node, Node>, allowed: readonly string[], where: string): Map<string, Pair<Node, Node>> {
    const out = new Map<string, Pair<Node, Node>>();
    for (const p of m.items) {
      const k = p.key;
      if (!isScalar(k) || typeof k.value !== 'string') this.fail(k as Node, `expected a key name in ${where}`);
      const name = k.value as string;
      if (!allowed.includes(name)) this.fail(k, `unknown key '${name}' in ${where}${didYouMean(name, allowed)}: expected one of ${allowed.join(', ')}`);
      out.set(name, p);
    }
    return out;
  }

  /** A scalar's value (string, number, boolean or null). */
  scalar(node: Node | null | undefined, what: string): string | number | boolean | null {
    if (!isScalar(node)) this.fail(node, `expected ${what} (a single value)`);
    return node.value as string | number | boolean | null;
  }

  str(node: Node | null | undefined, what: string): string {
    const v = this.scalar(node, what);
    if (typeof v !== 'string') this.fail(node, `expected ${what} (a string)`);
    return v;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** A number as machine and scenario files write it (see ../numbers.ts), or undefined. */
export function parseNumberish(v: unknown): number | undefined {
  const r = parseNumber(v);
  return r.ok ? r.value : undefined;
}
