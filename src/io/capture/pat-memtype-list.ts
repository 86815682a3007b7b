/**
 * debugfs `x86/pat_memtype_list` (arch/x86/mm/pat/memtype.c
 * `memtype_seq_show`): a `PAT memtype list:` header, then one line per
 * reservation. Since v5.6 (`x86/mm/pat: Clean up ...`) the line is
 * `PAT: [mem 0x%016llx-0x%016llx] %s`; before it was `%s @ 0x%Lx-0x%Lx`
 * (type first). Both are read; the end is exclusive in both.
 */

import { hexNum, numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface MemtypeListEntry {
  start: number;
  end: number;
  /** `cattr_name()` text: write-back, uncached-minus, ... */
  type: string;
  format: 'current' | 'old';
}

/** `cattr_name()`'s words (arch/x86/mm/pat/memtype.h): WP is "write-protected" (the MTRR name is "write-protect"). */
const CATTR = ['write-back', 'write-combining', 'write-through', 'write-protected', 'uncached-minus', 'uncached'] as const;
const CURRENT = /^PAT: \[mem 0x([0-9a-f]{1,16})-0x([0-9a-f]{1,16})\] (\S+)$/;
const OLD = /^(\S+) @ 0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)$/;

export function parsePatMemtypeList(text: string, file: string): Parsed<MemtypeListEntry[]> {
  const value: MemtypeListEntry[] = [];
  const issues: ParseIssue[] = [];
  for (const l of numberedLines(text)) {
    if (l.text === 'PAT memtype list:') continue;
    const c = CURRENT.exec(l.text);
    const o = c ? null : OLD.exec(l.text);
    const [s, e, t, format] = c ? [c[1]!, c[2]!, c[3]!, 'current' as const] : o ? [o[2]!, o[3]!, o[1]!, 'old' as const] : [];
    if (format === undefined) {
      issues.push({ file, line: l.n, text: l.text, why: 'not a pat_memtype_list line (expected "PAT: [mem 0x...-0x...] type" or "type @ 0x...-0x...")' });
      continue;
    }
    if (!(CATTR as readonly string[]).includes(t!)) {
      issues.push({ file, line: l.n, text: l.text, why: `unknown memory type '${t}' (expected one of ${CATTR.join(', ')})` });
      continue;
    }
    const start = hexNum(s!);
    const end = hexNum(e!);
    if (start === undefined || end === undefined || end <= start) {
      issues.push({ file, line: l.n, text: l.text, why: 'bad range (expected start < end)' });
      continue;
    }
    value.push({ start, end, type: t!, format });
  }
  return { value, issues };
}

/** The entries in the current format (what patlab prints), without the header. */
export function memtypeListLines(entries: readonly MemtypeListEntry[]): string[] {
  const h = (n: number): string => '0x' + n.toString(16).padStart(16, '0');
  return entries.map((e) => `PAT: [mem ${h(e.start)}-${h(e.end)}] ${e.type}`);
}
