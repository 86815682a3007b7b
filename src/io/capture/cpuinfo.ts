/**
 * `/proc/cpuinfo` (arch/x86/kernel/cpu/proc.c `show_cpuinfo`): `key\t*: value`
 * lines, a blank line between processors. Only the first processor block
 * is read; later blocks are checked for syntax.
 */

import { numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface CpuinfoBlock {
  fields: Map<string, string>;
  flags: string[];
  /** Number of processor blocks in the file. */
  processors: number;
}

const LINE = /^([^\t:][^\t:]*?)\s*: ?(.*)$/;
const KEY_ONLY = /^([^\t:][^\t:]*?)\s*:$/;

export function parseCpuinfo(text: string, file: string): Parsed<CpuinfoBlock> {
  const fields = new Map<string, string>();
  const issues: ParseIssue[] = [];
  let block = 0;
  let inBlock = false;
  for (const l of numberedLines(text)) {
    if (l.text.trim() === '') {
      if (inBlock) block++;
      inBlock = false;
      continue;
    }
    const m = LINE.exec(l.text) ?? KEY_ONLY.exec(l.text);
    if (!m) {
      issues.push({ file, line: l.n, text: l.text, why: 'not a /proc/cpuinfo line (expected "key<TAB>: value")' });
      continue;
    }
    inBlock = true;
    if (block === 0) fields.set(m[1]!.trim(), (m[2] ?? '').trim());
  }
  const flags = (fields.get('flags') ?? '').split(/\s+/).filter((f) => f !== '');
  return { value: { fields, flags, processors: block + (inBlock ? 1 : 0) }, issues };
}
