/**
 * `/proc/mtrr` (arch/x86/kernel/cpu/mtrr/if.c `mtrr_seq_show`): one line per
 * enabled variable range,
 * `reg%02i: base=0x%06lx000 (%5luMB), size=%5lu%cB, count=%d: %s`.
 * The file shows neither the default type nor the fixed ranges, nor empty
 * registers: the importer says what it assumes for those.
 */

import { mtrrTypeCode } from '../machine/build-mtrr.js';
import { hexNum, numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface ProcMtrrEntry {
  reg: number;
  base: number;
  size: number;
  /** MTRR type encoding (0 UC, 1 WC, 4 WT, 5 WP, 6 WB). */
  type: number;
}

/** `mtrr_attrib_to_str()` names. */
const TYPE_NAMES: Record<string, string> = {
  uncachable: 'UC',
  'write-combining': 'WC',
  'write-through': 'WT',
  'write-protect': 'WP',
  'write-back': 'WB',
};

const LINE = /^reg(\d{2,}): base=0x([0-9a-f]+) \( *(\d+)MB\), size= *(\d+)([KM])B, count=(\d+): (\S+)$/;

export function parseProcMtrr(text: string, file: string): Parsed<ProcMtrrEntry[]> {
  const value: ProcMtrrEntry[] = [];
  const issues: ParseIssue[] = [];
  for (const l of numberedLines(text)) {
    const m = LINE.exec(l.text);
    if (!m) {
      issues.push({ file, line: l.n, text: l.text, why: 'not a /proc/mtrr line (expected "regNN: base=0x... (NMB), size= NMB, count=N: type")' });
      continue;
    }
    const short = TYPE_NAMES[m[7]!];
    const base = hexNum(m[2]!);
    if (short === undefined || base === undefined) {
      issues.push({ file, line: l.n, text: l.text, why: `unknown MTRR type '${m[7]}' (expected uncachable, write-combining, write-through, write-protect or write-back)` });
      continue;
    }
    const size = Number(m[4]) * (m[5] === 'M' ? 1 << 20 : 1 << 10);
    value.push({ reg: Number(m[1]), base, size, type: mtrrTypeCode(short) });
  }
  return { value, issues };
}
