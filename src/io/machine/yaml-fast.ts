/**
 * The machine loader's fast path: a reader of a small, plain subset of YAML that gives exactly
 * what `locate(parseDocument(text))` gives (yaml-located.ts): the same values and the same
 * position for every key and value. A machine file of 20 000 e820 entries (1.2 MB) takes yaml's
 * parser ~0.8 s; the speed issue wants it accepted or refused in under 1 s (docs/decisions.md,
 * Design changes).
 *
 * The subset is what machine files are written in: block maps and lists, one-line flow maps and
 * lists, plain scalars, quoted strings without escapes, `>`/`|` block scalars of evenly indented
 * lines, comments. Anything else (anchors, aliases, tags, escapes, tabs, multi-line flow or plain
 * scalars, duplicate keys, a key yaml would not read as a plain string, any line it is unsure of)
 * answers `undefined`, and yaml reads the file: yaml stays the authority on what YAML means and
 * says every syntax error. A property test holds both to the same answer on generated files.
 */

import { pointerJoin, type Loc, type Located, type NodeLoc } from './yaml-located.js';

/** Thrown to leave the subset; caught once at the top. Preallocated: no stack per bail. */
const BAIL = new Error('outside the fast subset');

/** A key yaml reads as a plain string: not null, not a boolean, not a number. */
const KEY = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const NOT_STRING_KEY = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
/** Characters the whole text may hold: no tab, CR, other controls or BOM. */
const UNSAFE_TEXT = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;

// The YAML 1.2 core schema's plain-scalar tags, in yaml's order (node_modules/yaml/dist/schema/core).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value as locate() gives it: hex, octal and unsafe integers stay source text. */
function plainValue(s: string): unknown {
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (OCT.test(s) || HEX.test(s)) return s;
  if (INT.test(s)) {
    const n = parseInt(s, 10);
    return Number.isSafeInteger(n) ? n : s;
  }
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

const SP = 0x20;
const HASH = 0x23;

/** Where a value sits, with its key's position when it is a map's value (locate()'s shape). */
function nodeLoc(key: Loc | undefined, value: Loc): NodeLoc {
  return key ? { key, value } : { value };
}

/** `text` as locate(parseDocument(text)) would give it, or undefined outside the subset. */
export function locateFast(text: string): Located | undefined {
  if (UNSAFE_TEXT.test(text)) return undefined;
  try {
    return new FastReader(text).document();
  } catch (e) {
    // Nesting deeper than the stack (a hostile file): yaml says what it says about it.
    if (e === BAIL || e instanceof RangeError) return undefined;
    throw e;
  }
}

class FastReader {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Each line's first non-space column, -1 for a blank line. */
  private readonly contentAt: number[] = [];
  /** The same, -1 for a comment line too: the indent that structure reads. */
  private readonly indents: number[] = [];
  readonly locs = new Map<string, NodeLoc>();
  /** The next line to read. */
  private i = 0;

  constructor(private readonly text: string) {
    let s = 0;
    for (;;) {
      const e = text.indexOf('\n', s);
      const end = e < 0 ? text.length : e;
      let p = s;
      while (p < end && text.charCodeAt(p) === SP) p++;
      this.starts.push(s);
      this.ends.push(end);
      this.contentAt.push(p === end ? -1 : p - s);
      // A blank or comment line has no indent that matters: -1.
      this.indents.push(p === end || text.charCodeAt(p) === HASH ? -1 : p - s);
      if (e < 0) break;
      s = e + 1;
    }
  }

  private loc(line: number, col: number): Loc {
    return { line: line + 1, col: col + 1 };
  }

  /** The indent of the first non-blank line after `line`, comments included; -1 at the end. */
  private rawIndentAfter(line: number): number {
    for (let l = line + 1; l < this.starts.length; l++) if (this.contentAt[l]! >= 0) return this.contentAt[l]!;
    return -1;
  }

  /** Skip blank and comment lines; the next line's indent, or -1 at the end. */
  private peek(): number {
    while (this.i < this.starts.length && this.indents[this.i] === -1) this.i++;
    return this.i < this.starts.length ? this.indents[this.i]! : -1;
  }

  document(): Located {
    const ind = this.peek();
    // A document marker, a directive or a root that is not a block map: yaml reads it.
    if (ind !== 0) throw BAIL;
    const c = this.text.charCodeAt(this.starts[this.i]!);
    if (c === 0x2d /* - */ || c === 0x25 /* % */ || c === 0x2e /* . */) throw BAIL;
    const value = this.blockMap(0, this.i, 0, '', undefined);
    if (this.peek() !== -1) throw BAIL;
    return { value, locs: this.locs };
  }

  /** The key at (line, col) followed by `: ` or `:` at the end of the line; its end column. */
  private keyAt(line: number, col: number): { name: string; after: number } | undefined {
    const at = this.starts[line]! + col;
    KEY.lastIndex = at;
    if (!KEY.test(this.text)) return undefined;
    const end = KEY.lastIndex;
    if (this.text.charCodeAt(end) !== 0x3a /* : */) return undefined;
    const next = end + 1;
    if (next < this.ends[line]! && this.text.charCodeAt(next) !== SP) return undefined;
    const name = this.text.slice(at, end);
    if (NOT_STRING_KEY.test(name) || name.length > 1000) throw BAIL;
    return { name, after: next - this.starts[line]! };
  }

  /**
   * A block map whose keys sit at column `col`; its first key is on line `line` (which may be a
   * list item's line, `- key: v`). Reads until a line indented less.
   */
  private blockMap(col: number, line: number, firstCol: number, ptr: string, keyLoc: Loc | undefined): Record<string, unknown> {
    const here = nodeLoc(keyLoc, this.loc(line, firstCol));
    this.locs.set(ptr, here);
    const obj: Record<string, unknown> = {};
    let l = line;
    let c = firstCol;
    for (;;) {
      const k = this.keyAt(l, c);
      if (!k) throw BAIL;
      if (Object.prototype.hasOwnProperty.call(obj, k.name)) throw BAIL;
      const kl = this.loc(l, c);
      const child = pointerJoin(ptr, k.name);
      this.i = l;
      const v = this.value(l, k.after, col, child, kl, true);
      if (v === null) this.locs.set(child, { key: kl, value: kl });
      obj[k.name] = v;
      const ind = this.peek();
      if (ind < col) return obj;
      if (ind > col) throw BAIL;
      l = this.i;
      c = col;
    }
  }

  /** A block list whose dashes sit at column `col`, from line `this.i`. */
  private blockSeq(col: number, ptr: string, keyLoc: Loc | undefined): unknown[] {
    const here = nodeLoc(keyLoc, this.loc(this.i, col));
    this.locs.set(ptr, here);
    const out: unknown[] = [];
    for (;;) {
      const l = this.i;
      const s = this.starts[l]!;
      const e = this.ends[l]!;
      if (this.text.charCodeAt(s + col) !== 0x2d) throw BAIL;
      // `-` then a space, with something after it: `-` alone (a nested node or null) is yaml's.
      if (s + col + 1 >= e || this.text.charCodeAt(s + col + 1) !== SP) throw BAIL;
      let p = s + col + 1;
      while (p < e && this.text.charCodeAt(p) === SP) p++;
      if (p === e || this.text.charCodeAt(p) === HASH) throw BAIL;
      const ic = p - s;
      const child = pointerJoin(ptr, out.length);
      if (this.keyAt(l, ic)) out.push(this.blockMap(ic, l, ic, child, undefined));
      else out.push(this.value(l, ic - 1, col, child, undefined, false));
      const ind = this.peek();
      if (ind < col) return out;
      if (ind > col) throw BAIL;
      // A list at its key's column ends at the map's next key.
      if (this.text.charCodeAt(this.starts[this.i]! + col) !== 0x2d) return out;
    }
  }

  /**
   * The value after a key's colon (or a dash) at column `from` of `line`: inline on the line, or
   * on the lines after, indented more than `indent` (a list may sit at the key's own column).
   * Leaves `this.i` after the value.
   */
  private value(line: number, from: number, indent: number, ptr: string, keyLoc: Loc | undefined, inMap: boolean): unknown {
    const s = this.starts[line]!;
    const e = this.ends[line]!;
    let p = s + from;
    while (p < e && this.text.charCodeAt(p) === SP) p++;
    const t = this.text;
    if (p === e || (t.charCodeAt(p) === HASH && p > s + from)) {
      // Nothing on the line: a nested block node, or null.
      this.i = line + 1;
      const ind = this.peek();
      if (ind > indent) {
        if (this.keyAt(this.i, ind)) return this.blockMap(ind, this.i, ind, ptr, keyLoc);
        return this.blockSeq(ind, ptr, keyLoc);
      }
      if (ind === indent && inMap && t.charCodeAt(this.starts[this.i]! + ind) === 0x2d && t.charCodeAt(this.starts[this.i]! + ind + 1) === SP) {
        return this.blockSeq(ind, ptr, keyLoc);
      }
      // `key:` with nothing: null, located at the key (locate() does the same).
      if (!keyLoc) throw BAIL;
      this.locs.set(ptr, { key: keyLoc, value: keyLoc });
      return null;
    }
    const col = p - s;
    const here = nodeLoc(keyLoc, this.loc(line, col));
    const c = t.charCodeAt(p);
    let v: unknown;
    let end: number;
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const r = this.flow(p, e, line, ptr, keyLoc);
      v = r.value;
      end = r.end;
    } else if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      const r = this.quoted(p, e);
      this.locs.set(ptr, here);
      v = r.value;
      end = r.end;
    } else if (c === 0x3e /* > */ || c === 0x7c /* | */) {
      this.locs.set(ptr, here);
      return this.blockScalar(line, p, e, indent);
    } else {
      if (!plainStart(t, p, e)) throw BAIL;
      // To the end of the line or a comment; a `: ` inside is a nested map yaml refuses.
      let q = t.indexOf(' #', p);
      if (q < 0 || q > e) q = e;
      const raw = t.slice(p, q).trimEnd();
      if (raw.includes(': ') || raw.endsWith(':')) throw BAIL;
      here.source = raw;
      this.locs.set(ptr, here);
      v = plainValue(raw);
      end = q;
    }
    // Only a comment may follow; the next line must not continue the value (a multi-line plain
    // scalar, or a more-indented line yaml would refuse).
    const valueEnd = end;
    while (end < e && t.charCodeAt(end) === SP) end++;
    // A comment needs a space before it (`}#` is yaml's error).
    if (end < e && (t.charCodeAt(end) !== HASH || end === valueEnd)) throw BAIL;
    this.i = line + 1;
    if (this.rawIndentAfter(line) > indent) throw BAIL;
    return v;
  }

  /** A quoted string on one line without escapes: `"..."` with no backslash, `'...'` with no `''`. */
  private quoted(p: number, e: number): { value: string; end: number } {
    const t = this.text;
    const q = t[p]!;
    const close = t.indexOf(q, p + 1);
    if (close < 0 || close >= e) throw BAIL;
    const v = t.slice(p + 1, close);
    if (q === '"' && v.includes('\\')) throw BAIL;
    if (q === "'" && t[close + 1] === "'") throw BAIL;
    // A quoted key (`"a": 1`) is yaml's.
    if (t.charCodeAt(close + 1) === 0x3a) throw BAIL;
    return { value: v, end: close + 1 };
  }

  /** A flow map or list that opens at `p` and closes on the same line. */
  private flow(p: number, e: number, line: number, ptr: string, keyLoc: Loc | undefined): { value: unknown; end: number } {
    const t = this.text;
    const s = this.starts[line]!;
    const at = this.loc(line, p - s);
    this.locs.set(ptr, nodeLoc(keyLoc, at));
    const isMap = t.charCodeAt(p) === 0x7b;
    const closer = isMap ? 0x7d : 0x5d;
    const obj: Record<string, unknown> = {};
    const arr: unknown[] = [];
    let q = p + 1;
    const skip = () => {
      while (q < e && t.charCodeAt(q) === SP) q++;
    };
    skip();
    if (t.charCodeAt(q) === closer) return { value: isMap ? obj : arr, end: q + 1 };
    for (;;) {
      let name = '';
      let kl: Loc | undefined;
      if (isMap) {
        KEY.lastIndex = q;
        if (!KEY.test(t)) throw BAIL;
        const ke = KEY.lastIndex;
        if (t.charCodeAt(ke) !== 0x3a || t.charCodeAt(ke + 1) !== SP) throw BAIL;
        name = t.slice(q, ke);
        if (NOT_STRING_KEY.test(name) || Object.prototype.hasOwnProperty.call(obj, name)) throw BAIL;
        kl = this.loc(line, q - s);
        q = ke + 1;
        skip();
      }
      const child = isMap ? pointerJoin(ptr, name) : pointerJoin(ptr, arr.length);
      const vc = t.charCodeAt(q);
      let v: unknown;
      if (vc === 0x7b || vc === 0x5b) {
        const r = this.flow(q, e, line, child, kl);
        v = r.value;
        q = r.end;
      } else {
        const here = nodeLoc(kl, this.loc(line, q - s));
        if (vc === 0x22 || vc === 0x27) {
          const r = this.quoted(q, e);
          v = r.value;
          q = r.end;
        } else {
          if (!plainStart(t, q, e)) throw BAIL;
          const v0 = q;
          while (q < e) {
            const ch = t.charCodeAt(q);
            if (ch === 0x2c || ch === 0x7d || ch === 0x5d) break;
            // Flow indicators, a comment, or a `:` (a key, or a map inside a list) are yaml's.
            if (ch === 0x7b || ch === 0x5b || ch === HASH || ch === 0x3a) throw BAIL;
            q++;
          }
          if (q === e) throw BAIL;
          const raw = t.slice(v0, q).trimEnd();
          here.source = raw;
          v = plainValue(raw);
        }
        this.locs.set(child, here);
      }
      if (isMap) {
        if (v === null) this.locs.set(child, { key: kl!, value: kl! });
        obj[name] = v;
      } else arr.push(v);
      skip();
      const ch = t.charCodeAt(q);
      if (ch === closer) return { value: isMap ? obj : arr, end: q + 1 };
      if (ch !== 0x2c) throw BAIL;
      q++;
      skip();
      // A trailing comma, or an empty entry: yaml's.
      if (q >= e || t.charCodeAt(q) === closer || t.charCodeAt(q) === 0x2c) throw BAIL;
    }
  }

  /**
   * `>`, `>-`, `|` or `|-` at `p` of `line`, whose lines (all at one indent, deeper than
   * `indent`, none blank but at the end) follow. Leaves `this.i` after them.
   */
  private blockScalar(line: number, p: number, e: number, indent: number): string {
    const t = this.text;
    const header = t.slice(p, e);
    if (header !== '>' && header !== '>-' && header !== '|' && header !== '|-') throw BAIL;
    const folded = header[0] === '>';
    const strip = header.length === 2;
    const lines: string[] = [];
    let l = line + 1;
    let contentIndent = -1;
    let blankSeen = false;
    for (; l < this.starts.length; l++) {
      const ind = this.contentAt[l]!;
      if (ind < 0) {
        blankSeen = true;
        continue;
      }
      const le = this.ends[l]!;
      const q = this.starts[l]! + ind;
      if (contentIndent < 0) {
        if (ind <= indent || blankSeen) throw BAIL;
        contentIndent = ind;
      }
      if (ind < contentIndent) break;
      if (ind > contentIndent || blankSeen) throw BAIL;
      if (t.charCodeAt(le - 1) === SP) throw BAIL;
      lines.push(t.slice(q, le));
    }
    if (lines.length === 0) throw BAIL;
    // Content that runs to the end of a text without a final newline: yaml's.
    if (l === this.starts.length && !blankSeen && !t.endsWith('\n')) throw BAIL;
    this.i = l;
    const body = lines.join(folded ? ' ' : '\n');
    return strip ? body : body + '\n';
  }
}

/** Whether a plain scalar may start at `p`: not an indicator yaml gives a meaning to. */
function plainStart(t: string, p: number, e: number): boolean {
  const c = t[p]!;
  if ('&*!%@`|>\'"{}[],#?:'.includes(c)) return false;
  // `-1`, `-x`: a dash starts a plain scalar before a word or number (not before a space or a flow indicator).
  if (c === '-') return p + 1 < e && /[0-9A-Za-z.]/.test(t[p + 1]!);
  return true;
}
