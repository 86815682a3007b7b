/**
 * `uname -a` (busybox/coreutils): `SYSNAME NODENAME RELEASE VERSION... MACHINE [OS]`.
 * The release (`6.1.0-56-amd64`) and the version (`#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (date)`)
 * give the kernel; the machine (`x86_64`, `i686`) the architecture.
 */

import { numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface Uname {
  release: string;
  version: string;
  machine: string;
}

const LINE = /^Linux (\S+) (\S+) (#.*?) (x86_64|i[3-6]86)( GNU\/Linux)?$/;

export function parseUname(text: string, file: string): Parsed<Uname | null> {
  const issues: ParseIssue[] = [];
  let value: Uname | null = null;
  for (const l of numberedLines(text)) {
    const m = LINE.exec(l.text);
    if (!m || value !== null) {
      issues.push({ file, line: l.n, text: l.text, why: value !== null ? 'uname -a prints one line; extra line' : 'not a Linux x86 uname -a line (expected "Linux HOST RELEASE #VERSION x86_64|i686 ...")' });
      continue;
    }
    value = { release: m[2]!, version: m[3]!, machine: m[4]! };
  }
  return { value, issues };
}
