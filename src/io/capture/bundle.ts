/**
 * A capture bundle on disk: whichever of the known files exist, each read by
 * its own parser. Unknown files are listed (not an error: a bundle may hold
 * notes or later additions); unreadable lines are collected as issues.
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../run/input-error.js';
import { fsReason, notADirectory, readTextFile } from '../read-file.js';
import { parseCmdline } from './cmdline.js';
import { parseCpuinfo, type CpuinfoBlock } from './cpuinfo.js';
import { parseDmesg, type Dmesg } from './dmesg.js';
import type { ParseIssue, Parsed } from './lines.js';
import { parsePatMemtypeList, type MemtypeListEntry } from './pat-memtype-list.js';
import { parseProcIomem, type IomemFile } from './proc-iomem.js';
import { parseProcMeminfo, type MeminfoEntry } from './proc-meminfo.js';
import { parseProcMtrr, type ProcMtrrEntry } from './proc-mtrr.js';
import { parseQemu, type QemuCommand } from './qemu.js';
import { parseUname, type Uname } from './uname.js';

export interface Bundle {
  dir: string;
  dmesg?: Dmesg;
  procMtrr?: ProcMtrrEntry[];
  iomem?: IomemFile;
  meminfo?: MeminfoEntry[];
  /** `pat_memtype_list.txt`: at the end of the capture (after the test module, if any). */
  memtypeList?: MemtypeListEntry[];
  /** `pat_memtype_list.before.txt`: right after boot, before the test module. */
  memtypeListBefore?: MemtypeListEntry[];
  cpuinfo?: CpuinfoBlock;
  cmdline?: string[];
  uname?: Uname | null;
  qemu?: QemuCommand | null;
  /** Files present that no parser reads (NOTES.txt is expected and not listed). */
  otherFiles: string[];
  /** Known files that are absent. */
  missing: string[];
  issues: ParseIssue[];
}

/** File name → how to read it into the bundle. */
const FILES: { name: string; read: (b: Bundle, text: string, file: string) => ParseIssue[] }[] = [
  { name: 'dmesg.txt', read: (b, t, f) => take(parseDmesg(t, f), (v) => (b.dmesg = v)) },
  { name: 'proc-mtrr.txt', read: (b, t, f) => take(parseProcMtrr(t, f), (v) => (b.procMtrr = v)) },
  { name: 'proc-iomem.txt', read: (b, t, f) => take(parseProcIomem(t, f), (v) => (b.iomem = v)) },
  { name: 'proc-meminfo.txt', read: (b, t, f) => take(parseProcMeminfo(t, f), (v) => (b.meminfo = v)) },
  { name: 'pat_memtype_list.txt', read: (b, t, f) => take(parsePatMemtypeList(t, f), (v) => (b.memtypeList = v)) },
  { name: 'pat_memtype_list.before.txt', read: (b, t, f) => take(parsePatMemtypeList(t, f), (v) => (b.memtypeListBefore = v)) },
  { name: 'cpuinfo.txt', read: (b, t, f) => take(parseCpuinfo(t, f), (v) => (b.cpuinfo = v)) },
  { name: 'cmdline.txt', read: (b, t, f) => take(parseCmdline(t, f), (v) => (b.cmdline = v)) },
  { name: 'uname.txt', read: (b, t, f) => take(parseUname(t, f), (v) => (b.uname = v)) },
  { name: 'qemu.txt', read: (b, t, f) => take(parseQemu(t, f), (v) => (b.qemu = v)) },
];

function take<T>(p: Parsed<T>, set: (v: T) => void): ParseIssue[] {
  set(p.value);
  return p.issues;
}

/** What `patlab record` adds to a bundle: read by `patlab import --calls` (src/io/record/import.ts), not by the machine importer. */
export const RECORD_FILES = ['calls.log', 'record-info.txt', 'record-dmesg.txt'];

/** The file names a bundle may hold (README of ../shared/captures). */
export const BUNDLE_FILES = FILES.map((f) => f.name);

/** Read every known file of `dir`. Throws InputError when `dir` is not a directory. */
export function readBundle(dir: string): Bundle {
  const why = notADirectory(dir);
  if (why === 'no such file') throw new InputError(dir, 1, 1, 'no such capture directory');
  if (why !== null) throw new InputError(dir, 1, 1, `${why}: expected a capture bundle folder`);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InputError(dir, 1, 1, `${fsReason(e)}: expected a capture bundle folder`);
  }
  const b: Bundle = { dir, otherFiles: [], missing: [], issues: [] };
  for (const f of FILES) {
    if (!names.includes(f.name)) {
      b.missing.push(f.name);
      continue;
    }
    const path = join(dir, f.name);
    b.issues.push(...f.read(b, readTextFile(path).text, path));
  }
  b.otherFiles = names.filter((n) => n !== 'NOTES.txt' && !BUNDLE_FILES.includes(n) && !RECORD_FILES.includes(n));
  return b;
}
