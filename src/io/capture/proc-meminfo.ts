/**
 * `/proc/meminfo` (fs/proc/meminfo.c `meminfo_proc_show`, plus the arch's
 * `arch_report_meminfo` DirectMap lines): `Key:   value[ kB]`.
 */

import { numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface MeminfoEntry {
  key: string;
  value: number;
  /** The value had a ` kB` unit. */
  kb: boolean;
  /** The line as printed. */
  text: string;
}

const LINE = /^([A-Za-z0-9_()]+):\s+(\d+)( kB)?$/;

export function parseProcMeminfo(text: string, file: string): Parsed<MeminfoEntry[]> {
  const value: MeminfoEntry[] = [];
  const issues: ParseIssue[] = [];
  for (const l of numberedLines(text)) {
    const m = LINE.exec(l.text);
    if (!m) {
      issues.push({ file, line: l.n, text: l.text, why: 'not a /proc/meminfo line (expected "Key:   N kB")' });
      continue;
    }
    value.push({ key: m[1]!, value: Number(m[2]), kb: m[3] !== undefined, text: l.text });
  }
  return { value, issues };
}

/** The DirectMap lines, as printed. */
export function directMapLines(entries: readonly MeminfoEntry[]): string[] {
  return entries.filter((e) => e.key.startsWith('DirectMap')).map((e) => e.text);
}
