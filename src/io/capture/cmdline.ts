/**
 * `/proc/cmdline` and the dmesg `Command line:` line: space-separated kernel
 * parameters (quoted values keep their spaces, as `next_arg()` reads them).
 */

import { numberedLines, type Parsed, type ParseIssue } from './lines.js';

/** `next_arg()` (lib/cmdline.c) splitting, quotes kept out of the result. */
export function splitCmdline(line: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"]+|"[^"]*")+/g;
  for (const m of line.matchAll(re)) out.push(m[0].replace(/"/g, ''));
  return out;
}

export function parseCmdline(text: string, file: string): Parsed<string[]> {
  const lines = numberedLines(text);
  const issues: ParseIssue[] = [];
  lines.slice(1).forEach((l) => {
    if (l.text.trim() !== '') issues.push({ file, line: l.n, text: l.text, why: '/proc/cmdline has one line; extra line' });
  });
  const first = lines[0]?.text ?? '';
  if ((first.match(/"/g) ?? []).length % 2 !== 0) issues.push({ file, line: 1, text: first, why: 'unbalanced quote' });
  return { value: splitCmdline(first), issues };
}
