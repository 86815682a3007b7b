/**
 * Lexical rules shared by the line-oriented trace languages (memtype-trace
 * v1, FORMAT §1): `#` starts a comment, tokens are separated by spaces, tabs
 * or `\r`, numbers are `0x` hex or decimal (a leading 0 is not octal) and
 * unsigned 64-bit.
 */

import { InputError } from '../../run/input-error.js';

export interface Token {
  text: string;
  /** 1-based column of the token's first character. */
  col: number;
}

/**
 * The next token of `text[from, end)`: its start and end, or null at the end
 * of the line or its comment. Spaces, tabs and `\r` separate tokens.
 */
function scanToken(text: string, from: number, end: number): [number, number] | null {
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 35 /* # */) return null;
    if (c !== 32 && c !== 9 && c !== 13) break;
    i++;
  }
  if (i >= end) return null;
  const s = i;
  while (i < end) {
    const d = text.charCodeAt(i);
    if (d === 32 || d === 9 || d === 13 || d === 35) break;
    i++;
  }
  return [s, i];
}

/** Split one line into tokens with their columns; the comment is dropped. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  for (let t = scanToken(line, 0, line.length); t; t = scanToken(line, t[1], line.length)) out.push({ text: line.slice(t[0], t[1]), col: t[0] + 1 });
  return out;
}

const TWO53 = 2 ** 53;
const U64_MAX = (1n << 64n) - 1n;

/** Value of a hex digit's char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parse an unsigned 64-bit number. Values below 2^53 come back as numbers
 * (exact in a double); larger ones as bigints. Returns undefined if the token
 * is not a number or does not fit in 64 bits. Hand-rolled (no regex): a
 * million-line trace parses several million numbers.
 */
export function parseU64(text: string): number | bigint | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  if (n > 2 && text.charCodeAt(0) === 48 && (text.charCodeAt(1) | 32) === 120) {
    let v = 0;
    for (let i = 2; i < n; i++) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) return undefined;
      v = v * 16 + d;
    }
    if (v < TWO53) return v;
    const b = BigInt(text);
    return b > U64_MAX ? undefined : b;
  }
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  if (v < TWO53) return v;
  const b = BigInt(text);
  return b > U64_MAX ? undefined : b;
}

/** parseU64 over `text[s, e)` without making a substring (the hot path of a large trace). */
export function parseU64At(text: string, s: number, e: number): number | bigint | undefined {
  if (e - s > 2 && text.charCodeAt(s) === 48 && (text.charCodeAt(s + 1) | 32) === 120) {
    let v = 0;
    for (let i = s + 2; i < e; i++) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) return undefined;
      v = v * 16 + d;
    }
    return v < TWO53 ? v : parseU64(text.slice(s, e));
  }
  if (e === s) return undefined;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return v < TWO53 ? v : parseU64(text.slice(s, e));
}

const MAX_TOKENS = 64;

/**
 * A reusable cursor over the tokens of one line of a larger text: tokens are
 * index pairs into the text, so reading a million-line trace allocates
 * almost nothing. Raises positioned input errors.
 */
export class LineReader {
  lineNo = 0;
  private lineStart = 0;
  /** Number of tokens on the line (may exceed what is stored; only the first MAX_TOKENS are kept). */
  count = 0;
  private readonly ts = new Int32Array(MAX_TOKENS);
  private readonly te = new Int32Array(MAX_TOKENS);
  private i = 1;
  /** The usage of the line's keyword, for "expected" messages. */
  usage = '';

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** Tokenize `text[start, end)` as line `lineNo`; the comment is dropped. */
  reset(lineNo: number, start: number, end: number): void {
    this.lineNo = lineNo;
    this.lineStart = start;
    this.i = 1;
    let n = 0;
    for (let t = scanToken(this.text, start, end); t; t = scanToken(this.text, t[1], end)) {
      if (n < MAX_TOKENS) {
        this.ts[n] = t[0];
        this.te[n] = t[1];
      }
      n++;
    }
    this.count = n;
  }

  /** Text of token j. */
  tok(j: number): string {
    return this.text.slice(this.ts[j]!, this.te[j]!);
  }

  /** 1-based column of token j. */
  col(j: number): number {
    return this.ts[j]! - this.lineStart + 1;
  }

  /** Column just past the last token (where a missing argument would go). */
  get endCol(): number {
    const last = Math.min(this.count, MAX_TOKENS) - 1;
    return last < 0 ? 1 : this.te[last]! - this.lineStart + 1;
  }

  /** Whether token j's text equals `s`, without a substring. */
  is(j: number, s: string): boolean {
    const a = this.ts[j]!;
    if (this.te[j]! - a !== s.length) return false;
    return this.text.startsWith(s, a);
  }

  fail(col: number, detail: string): never {
    throw new InputError(this.file, this.lineNo, col, detail);
  }

  /** Index of the next token, or an error naming the missing argument. */
  next(what: string): number {
    if (this.i >= this.count) this.fail(this.endCol, `missing ${what}: expected '${this.usage}'`);
    if (this.i >= MAX_TOKENS) this.fail(this.endCol, `too many tokens: expected '${this.usage}'`);
    return this.i++;
  }

  /** Column of the token last returned by next(). */
  get lastCol(): number {
    return this.col(this.i - 1);
  }

  /** The next token as a u64. */
  u64(what: string): number | bigint {
    const j = this.next(what);
    const v = parseU64At(this.text, this.ts[j]!, this.te[j]!);
    if (v === undefined)
      this.fail(this.col(j), `bad number '${this.tok(j)}' for ${what}: expected 0x-prefixed hex or decimal digits, at most 2^64-1`);
    return v;
  }

  /** The next token, which must be one of `choices`. */
  oneOf<T extends string>(what: string, choices: readonly T[]): T {
    const j = this.next(what);
    for (const c of choices) if (this.is(j, c)) return c;
    this.fail(this.col(j), `unknown ${what} '${this.tok(j)}': expected one of ${choices.join(', ')}`);
  }

  /** Assert the line has no further tokens. */
  end(): void {
    if (this.i < this.count) this.fail(this.col(this.i), `unexpected '${this.tok(this.i)}': expected end of line after '${this.usage}'`);
  }
}
