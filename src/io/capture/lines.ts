/**
 * What every capture parser shares: the text split into numbered lines and
 * the list of lines it could not read. A parser never drops a line silently:
 * a line it does not understand becomes a {@link ParseIssue} naming the file
 * and line, which the importer turns into an error (the CLI exits 2).
 */

import { escapeControls } from '../../run/input-error.js';

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

/** `FILE:LINE:1: why: "text"` (the InputError layout), on one line: control bytes in the file name and the text are escaped. */
export function formatIssue(i: ParseIssue): string {
  return `${escapeControls(i.file)}:${i.line}:1: ${i.why}: ${quoteText(i.text.length > 120 ? i.text.slice(0, 117) + '...' : i.text)}`;
}

/**
 * Every issue as one line: the first, and how many more (`… and 49 more
 * unparseable lines`), so a bundle of garbage gives one error, not one per
 * line. Empty string when there are none.
 */
export function formatIssues(issues: readonly ParseIssue[]): string {
  if (issues.length === 0) return '';
  const rest = issues.length - 1;
  return formatIssue(issues[0]!) + (rest > 0 ? ` … and ${rest} more unparseable line${rest === 1 ? '' : 's'}` : '');
}

/** `text` in double quotes with quotes, backslashes and every control or line-breaking character escaped (`\n`, `\u007f`). */
export function quoteText(text: string): string {
  return `"${escapeControls(text.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

/** Parse a hex string (with or without 0x) exactly; undefined above 2^53 - 1. */
export function hexNum(s: string): number | undefined {
  const b = BigInt(s.startsWith('0x') || s.startsWith('0X') ? s : '0x' + s);
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(b);
}
