/**
 * The bundle's `qemu.txt`: the QEMU command line that defined the machine
 * (first line), then `#` comment lines (QEMU version, accelerator).
 * Read: the binary (x86_64 or i386), `-m`, `-cpu` (model and +/-flags),
 * `-smp`, `-accel`, `-append`.
 */

import { numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface QemuCommand {
  binary: string;
  /** RAM in MiB (`-m`). */
  memMiB: number | null;
  cpuModel: string | null;
  /** `-cpu model,+flag,-flag`: flags switched off. */
  cpuFlagsOff: string[];
  cpuFlagsOn: string[];
  smp: number | null;
  append: string | null;
  comments: string[];
}

/** Shell-like split of one command line (single and double quotes). */
function shellWords(line: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let pos = 0;
  let started = false;
  while (pos < line.length) {
    const ws = /^\s+/.exec(line.slice(pos));
    if (ws) {
      if (started) out.push(cur);
      cur = '';
      started = false;
      pos += ws[0].length;
      continue;
    }
    const m = /'([^']*)'|"([^"]*)"|([^\s'"]+)/y;
    m.lastIndex = pos;
    const r = m.exec(line);
    if (!r) return null;
    cur += r[1] ?? r[2] ?? r[3] ?? '';
    started = true;
    pos = m.lastIndex;
  }
  if (started) out.push(cur);
  return out;
}

/** `-m 1024`, `-m 4G`, `-m size=2048`: MiB. */
function memMiB(v: string): number | null {
  const m = /^(?:size=)?(\d+)([MG]?)/.exec(v);
  if (!m) return null;
  return Number(m[1]) * (m[2] === 'G' ? 1024 : 1);
}

export function parseQemu(text: string, file: string): Parsed<QemuCommand | null> {
  const issues: ParseIssue[] = [];
  let value: QemuCommand | null = null;
  const comments: string[] = [];
  for (const l of numberedLines(text)) {
    if (l.text.startsWith('#')) {
      comments.push(l.text.replace(/^#\s*/, ''));
      continue;
    }
    if (l.text.trim() === '') continue;
    const words = value === null ? shellWords(l.text) : null;
    if (words === null || !/^qemu-system-(x86_64|i386)$/.test(words[0]!.split('/').pop()!)) {
      issues.push({ file, line: l.n, text: l.text, why: value !== null ? 'a second command line (expected "#" comments after the first line)' : 'not a qemu-system-x86_64/i386 command line' });
      continue;
    }
    const v: QemuCommand = { binary: words[0]!.split('/').pop()!, memMiB: null, cpuModel: null, cpuFlagsOff: [], cpuFlagsOn: [], smp: null, append: null, comments };
    for (let i = 1; i < words.length; i++) {
      const w = words[i]!;
      const arg = words[i + 1];
      if (w === '-m' && arg !== undefined) {
        v.memMiB = memMiB(arg);
        if (v.memMiB === null) issues.push({ file, line: l.n, text: l.text, why: `bad -m value '${arg}'` });
        i++;
      } else if (w === '-cpu' && arg !== undefined) {
        const [model, ...fl] = arg.split(',');
        v.cpuModel = model!;
        for (const f of fl) {
          if (f.startsWith('-')) v.cpuFlagsOff.push(f.slice(1));
          else if (f.startsWith('+')) v.cpuFlagsOn.push(f.slice(1));
          else if (/=off$/.test(f)) v.cpuFlagsOff.push(f.replace(/=off$/, ''));
          else if (/=on$/.test(f)) v.cpuFlagsOn.push(f.replace(/=on$/, ''));
        }
        i++;
      } else if (w === '-smp' && arg !== undefined) {
        const m = /^(?:cpus=)?(\d+)/.exec(arg);
        v.smp = m ? Number(m[1]) : null;
        if (v.smp === null) issues.push({ file, line: l.n, text: l.text, why: `bad -smp value '${arg}'` });
        i++;
      } else if (w === '-append' && arg !== undefined) {
        v.append = arg;
        i++;
      }
    }
    value = v;
  }
  return { value, issues };
}
