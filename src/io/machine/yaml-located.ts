/**
 * A YAML node as a plain JS value plus the file position of every key and
 * value, addressed by JSON Pointer (`/e820/0/start`), so that schema and
 * semantic errors can name the exact line:col of what they complain about.
 *
 * Scalars keep the value the YAML 1.2 core schema gives them, except plain
 * hex and octal integers, which stay as their source text: a 64-bit PAT value
 * or an address above 2^53 is then parsed exactly (numbers.ts) instead of
 * being rounded by the YAML parser.
 */

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { InputError } from '../../run/input-error.js';

export interface Loc {
  line: number;
  col: number;
}

/** Where one value sits: its key (for map entries) and the value itself. */
export interface NodeLoc {
  key?: Loc;
  value: Loc;
  /** Source text of a plain scalar (as written, e.g. `6.10`). */
  source?: string;
}

/** Where a YAML value came from: the file name and the positions of its parser. */
export interface YamlSource {
  file: string;
  lineCounter: LineCounter;
  /** Needed to resolve aliases (`*anchor`); without it an alias is an error. */
  doc?: Document;
}

export interface Located {
  value: unknown;
  locs: Map<string, NodeLoc>;
}

/** JSON Pointer escaping (RFC 6901). */
export function pointerJoin(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Split a pointer into its unescaped segments. */
export function pointerParts(p: string): string[] {
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A pointer as people read it: `e820[0].start`, `(top level)` for the root. */
export function humanPath(p: string): string {
  const parts = pointerParts(p);
  if (parts.length === 0) return '(top level)';
  let out = '';
  for (const s of parts) out += /^[0-9]+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

function startOf(node: unknown, src: YamlSource): Loc {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return src.lineCounter.linePos(r ? r[0] : 0);
}

const MAX_ALIAS_DEPTH = 32;
/**
 * Total budget of nodes reached through aliases in one document (yaml's
 * `maxAliasCount` idea): aliases of aliases multiply, and a billion-laughs
 * document of a few hundred bytes would expand to 10^9 nodes. A real machine
 * file expands a handful of anchors.
 */
export const MAX_ALIAS_NODES = 10_000;

/** Convert `node` (a yaml `Node`, or null for an empty document) with positions. */
export function locate(node: unknown, src: YamlSource, rootLoc?: Loc): Located {
  const locs = new Map<string, NodeLoc>();
  let expanded = 0;
  /** The alias whose expansion is being walked (outermost), for the budget's error. */
  let viaAlias: Loc | null = null;
  const walk = (n: unknown, ptr: string, keyLoc: Loc | undefined, depth: number): unknown => {
    let cur = n;
    const outer = viaAlias;
    if (isAlias(cur)) {
      const at = startOf(cur, src);
      if (!src.doc || depth > MAX_ALIAS_DEPTH) throw new InputError(src.file, at.line, at.col, 'alias not allowed here: expected a plain value');
      cur = cur.resolve(src.doc);
      viaAlias ??= at;
    }
    if (viaAlias !== null && ++expanded > MAX_ALIAS_NODES)
      throw new InputError(src.file, viaAlias.line, viaAlias.col, `aliases expand to more than ${MAX_ALIAS_NODES} nodes: expected anchors reused a few times, not nested expansions`);
    try {
      return walkNode(cur, ptr, keyLoc, depth);
    } finally {
      viaAlias = outer;
    }
  };
  const walkNode = (cur: unknown, ptr: string, keyLoc: Loc | undefined, depth: number): unknown => {
    const value = cur === undefined || cur === null ? (rootLoc ?? { line: 1, col: 1 }) : startOf(cur, src);
    const here: NodeLoc = keyLoc ? { key: keyLoc, value } : { value };
    locs.set(ptr, here);
    if (isMap(cur)) {
      const obj: Record<string, unknown> = {};
      for (const pair of cur.items) {
        const k = isScalar(pair.key) ? pair.key.value : pair.key;
        const name = k === null || k === undefined ? '' : typeof k === 'object' ? JSON.stringify(k) : String(k);
        const kl = startOf(pair.key, src);
        const child = pointerJoin(ptr, name);
        // An empty value (`key:`) sits at its key for error reporting.
        const v = pair.value === null || pair.value === undefined ? null : walk(pair.value, child, kl, depth + 1);
        if (v === null) locs.set(child, { key: kl, value: kl });
        obj[name] = v;
      }
      return obj;
    }
    if (isSeq(cur)) return cur.items.map((it, i) => walk(it, pointerJoin(ptr, i), undefined, depth + 1));
    if (isScalar(cur)) {
      const s = (cur as { source?: string }).source;
      if (s !== undefined && cur.type === 'PLAIN') here.source = s;
      if (typeof cur.value === 'number' && s !== undefined) {
        if (cur.format === 'HEX' || cur.format === 'OCT') return s;
        // A decimal integer the double cannot hold: keep the digits, numbers.ts refuses it exactly.
        if (Number.isInteger(cur.value) && !Number.isSafeInteger(cur.value)) return s;
      }
      if (typeof cur.value === 'bigint') return s ?? String(cur.value);
      return cur.value;
    }
    return cur === undefined ? null : (cur as Node | null);
  };
  const value = walk(node, '', undefined, 0);
  return { value, locs };
}
