/**
 * Lexical rules shared by the line-oriented trace languages (memtype-trace
 * v1, FORMAT §1): `#` starts a comment, tokens are separated by spaces, tabs
 * or `\r`, numbers are `0x` hex or decimal (a leading 0 is not octal) and
 * unsigned 64-bit.
 */

import { InputError } from '../input-error.js';

export interface Token {
  text: string;
  /** 1-based column of the token's first character. */
  col: number;
}

/** Split one line into tokens with their columns; the comment is dropped. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 35 /* # */) break;
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    const s = i;
    while (i < n) {
      const d = line.charCodeAt(i);
      if (d === 32 || d === 9 || d === 13 || d === 35) break;
      i++;
    }
    out.push({ text: line.slice(s, i), col: s + 1 });
  }
  return out;
}

const TWO53 = 2 ** 53;
const U64_MAX = (1n << 64n) - 1n;
const HEX = /^0[xX][0-9a-fA-F]+$/;
const DEC = /^[0-9]+$/;

/**
 * Parse an unsigned 64-bit number. Values below 2^53 come back as numbers
 * (exact in a double); larger ones as bigints. Returns undefined if the token
 * is not a number or does not fit in 64 bits.
 */
export function parseU64(text: string): number | bigint | undefined {
  if (HEX.test(text)) {
    const digits = text.slice(2).replace(/^0+(?=.)/, '');
    if (digits.length <= 13) return parseInt(digits, 16);
    if (digits.length > 16) return undefined;
    const v = BigInt('0x' + digits);
    return v < BigInt(TWO53) ? Number(v) : v;
  }
  if (DEC.test(text)) {
    if (text.length <= 15) return parseInt(text, 10);
    const v = BigInt(text);
    if (v > U64_MAX) return undefined;
    return v < BigInt(TWO53) ? Number(v) : v;
  }
  return undefined;
}

/** A cursor over one line's tokens that raises positioned input errors. */
export class LineReader {
  private i = 1;
  constructor(
    readonly file: string,
    readonly lineNo: number,
    readonly tokens: Token[],
    /** The whole line, to point past its end when a token is missing. */
    readonly endCol: number,
    /** The usage of the line's keyword, for "expected" messages. */
    readonly usage: string,
  ) {}

  fail(col: number, detail: string): never {
    throw new InputError(this.file, this.lineNo, col, detail);
  }

  /** The next token, or an error naming the missing argument. */
  next(what: string): Token {
    const t = this.tokens[this.i];
    if (!t) this.fail(this.endCol, `missing ${what}: expected '${this.usage}'`);
    this.i++;
    return t;
  }

  /** The next token as a u64. */
  u64(what: string): { value: number | bigint; col: number } {
    const t = this.next(what);
    const v = parseU64(t.text);
    if (v === undefined)
      this.fail(t.col, `bad number '${t.text}' for ${what}: expected 0x-prefixed hex or decimal digits, at most 2^64-1`);
    return { value: v, col: t.col };
  }

  /** The next token, which must be one of `choices`. */
  oneOf<T extends string>(what: string, choices: readonly T[]): { value: T; col: number } {
    const t = this.next(what);
    if (!(choices as readonly string[]).includes(t.text))
      this.fail(t.col, `unknown ${what} '${t.text}': expected one of ${choices.join(', ')}`);
    return { value: t.text as T, col: t.col };
  }

  /** Assert the line has no further tokens. */
  end(): void {
    const t = this.tokens[this.i];
    if (t) this.fail(t.col, `unexpected '${t.text}': expected end of line after '${this.usage}'`);
  }
}
