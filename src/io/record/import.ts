/**
 * `patlab import DIR --calls FILE`: a recorded bundle's call log as a call
 * trace over the bundle's machine (docs/record.md §3). `--check` is
 * check.ts.
 */

import { existsSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { bootKernel } from '../../kernel/kernel.js';
import type { MachineSpec } from '../../kernel/machine.js';
import { InputError } from '../../run/input-error.js';
import { OutputFile } from '../output-file.js';
import { readTextFile } from '../read-file.js';
import type { RecordArch } from './abi.js';
import { readCallLog, type CallLogSummary } from './log.js';
import { callTraceConverter, type TraceSummary } from './to-trace.js';

export interface RecordInfo {
  arch: RecordArch;
  release?: string;
  pageOffset?: bigint;
  /** Per function: traced, absent, refused, noproto, ... with the recorder's words. */
  functions: { status: string; name: string; why: string }[];
  overrun: number;
}

/** record-info.txt: `arch A`, `release R`, `page_offset X`, `STATUS NAME[: why]`, `overrun N`. */
export function parseRecordInfo(text: string, file: string): RecordInfo {
  let arch: RecordArch | undefined;
  const info: Omit<RecordInfo, 'arch'> = { functions: [], overrun: 0 };
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    const m = /^(\w+) (\S+)(?:: (.*))?$/.exec(l);
    if (!m) throw new InputError(file, i + 1, 1, "expected 'KEY VALUE' (arch, release, page_offset, overrun) or 'STATUS FUNCTION: why'");
    const [, key, v, why] = m;
    if (key === 'arch') {
      if (v !== 'x86-64' && v !== 'i386') throw new InputError(file, i + 1, 6, `unknown arch '${v}': expected x86-64 or i386`);
      arch = v;
    } else if (key === 'release') info.release = v;
    else if (key === 'page_offset') {
      if (!/^0x[0-9a-fA-F]+$/.test(v!)) throw new InputError(file, i + 1, 13, `bad page_offset '${v}': expected a hex address`);
      info.pageOffset = BigInt(v!);
    } else if (key === 'overrun') info.overrun = Number(v);
    else info.functions.push({ status: key!, name: v!, why: why ?? '' });
  });
  if (!arch) throw new InputError(file, 1, 1, "missing 'arch' line: expected the recorder's record-info.txt");
  return { arch, ...info };
}

export interface CallImport extends TraceSummary {
  info: RecordInfo;
  recorded: number;
  counts: Map<string, number>;
}

/**
 * Where the trace's lines wait for its header: beside the trace (the disk the user chose for a
 * big file; beside the file a link such as /dev/stdout leads to), or in the temporary folder
 * when the trace is not a regular file (a pipe).
 */
function partPath(tracePath: string): string {
  let dir = dirname(tracePath);
  try {
    dir = statSync(tracePath).isFile() ? dirname(realpathSync(tracePath)) : tmpdir();
  } catch {
    // Not there yet: it will be a file, in that folder.
  }
  return join(dir, `.${basename(tracePath)}.${process.pid}.part`);
}

/**
 * The bundle's call log as a call trace written to `tracePath`, whose `machine` line names
 * `machineRef` (the machine file written beside it). Streamed: the log is read a chunk at a
 * time and each call's lines are written as soon as it has returned. The header, which counts
 * the calls, is known only at the end, so the lines go to a temporary file beside the trace
 * first; the trace is written from it once the whole log has been read, and not at all when
 * the log has an error.
 */
export function importCallLog(dir: string, machine: MachineSpec, machineRef: string, tracePath: string, chunkSize?: number): CallImport {
  const logPath = join(dir, 'calls.log');
  const infoPath = join(dir, 'record-info.txt');
  if (!existsSync(logPath)) throw new InputError(dir, 1, 1, 'no calls.log: expected a bundle patlab record wrote');
  if (!existsSync(infoPath)) throw new InputError(dir, 1, 1, 'no record-info.txt: expected a bundle patlab record wrote');
  const infoFile = readTextFile(infoPath);
  const info = parseRecordInfo(infoFile.text, infoFile.name);
  const k = bootKernel(machine);
  const zones = k.zones as { maxLowPfn: number };
  const notes: string[] = [];
  let pageOffset = info.pageOffset;
  if (info.arch === 'i386' && pageOffset === undefined) {
    pageOffset = 0xc0000000n;
    notes.push('record-info.txt has no page_offset (no kernel config on the recorded machine): CONFIG_PAGE_OFFSET 0xc0000000, the default, assumed');
  }
  const body = new OutputFile(partPath(tracePath), tracePath);
  let t: TraceSummary;
  let log: CallLogSummary;
  try {
    const conv = callTraceConverter({ arch: info.arch, tables: k.tables, pageOffset: pageOffset ?? 0n, highmemStartPfn: Number.isFinite(zones.maxLowPfn) ? zones.maxLowPfn : null, logFile: logPath, teardownTraced: info.functions.some((f) => f.name === 'unmap_page_range' && f.status === 'traced') }, (text) => body.write(`${text}\n`));
    log = readCallLog(logPath, (c) => conv.call(c), chunkSize);
    t = conv.finish();
    body.close();
    const trace = new OutputFile(tracePath);
    trace.write(`# patlab import: ${log.total} calls recorded on ${info.release ?? 'an unknown kernel'} (${info.arch}), from ${log.name}\nmachine ${machineRef}\n`);
    trace.copyFrom(body.path);
    trace.close();
  } finally {
    body.discard();
  }
  // One note per reason, naming its functions (four TTM/KVM functions absent is one line, not four).
  const byWhy = new Map<string, string[]>();
  for (const f of info.functions) {
    if (f.status === 'traced') continue;
    const key = `${f.status}${f.why ? `: ${f.why}` : ''}`;
    byWhy.set(key, [...(byWhy.get(key) ?? []), f.name]);
  }
  for (const [why, names] of byWhy) notes.push(`not traced: ${names.join(', ')} (${why})`);
  if (info.overrun > 0) notes.push(`the trace buffer overran: ${info.overrun} events were lost, so calls are missing (record again with a larger -b)`);
  return { ...t, notes: [...notes, ...t.notes], info, recorded: log.total, counts: log.counts };
}
