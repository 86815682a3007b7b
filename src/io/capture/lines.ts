/**
 * What every capture parser shares: the text split into numbered lines and
 * the list of lines it could not read. A parser never drops a line silently:
 * a line it does not understand becomes a {@link ParseIssue} naming the file
 * and line, which the importer turns into an error (the CLI exits 2).
 */

/** A line a parser could not read. */
export interface ParseIssue {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
  why: string;
}

/** A parser's result: the value it read and the lines it could not. */
export interface Parsed<T> {
  value: T;
  issues: ParseIssue[];
}

/** Lines with their 1-based numbers; a final newline does not make an extra empty line. `\r` is dropped. */
export function numberedLines(text: string): { n: number; text: string }[] {
  const lines = text.replace(/\r/g, '').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((t, i) => ({ n: i + 1, text: t }));
}

/** `FILE:LINE:1: why: "text"` (the InputError layout). */
export function formatIssue(i: ParseIssue): string {
  return `${i.file}:${i.line}:1: ${i.why}: ${JSON.stringify(i.text.length > 120 ? i.text.slice(0, 117) + '...' : i.text)}`;
}

/** Parse a hex string (with or without 0x) exactly; undefined above 2^53 - 1. */
export function hexNum(s: string): number | undefined {
  const b = BigInt(s.startsWith('0x') || s.startsWith('0X') ? s : '0x' + s);
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(b);
}
