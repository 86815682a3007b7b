/**
 * `patlab import DIR --calls FILE`: a recorded bundle's call log as a call
 * trace over the bundle's machine (docs/record.md §3), and `--check`: the
 * trace replayed by patlab against what the recorded kernel did (return
 * values, and the memtype list the recorder read at the end).
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hex } from '../../hw/hex.js';
import { bootKernel } from '../../kernel/kernel.js';
import { patMemtypeList } from '../../kernel/pat/memtype-list.js';
import type { MachineSpec } from '../../kernel/machine.js';
import { InputError } from '../../run/input-error.js';
import { KERNEL_DRIVER } from '../../run/driver.js';
import { runScenario, showRet, type StepOutcome } from '../../run/execute.js';
import { parsePatMemtypeList } from '../capture/pat-memtype-list.js';
import { errnoName } from '../../kernel/errno.js';
import { readBeside, readTextFile } from '../read-file.js';
import { outText } from '../render/out-value.js';
import { loadCallTrace } from '../trace/call-trace.js';
import type { RecordArch } from './abi.js';
import { parseCallLog, type RecordedCall } from './log.js';
import { callLogToTrace, type ImportedTrace } from './to-trace.js';

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

export interface CallImport extends ImportedTrace {
  text: string;
  info: RecordInfo;
  recorded: number;
  counts: Map<string, number>;
}

/** The bundle's call log as a call trace whose `machine` line names `machineRef` (the machine file written beside it). */
export function importCallLog(dir: string, machine: MachineSpec, machineRef: string): CallImport {
  const logPath = join(dir, 'calls.log');
  const infoPath = join(dir, 'record-info.txt');
  if (!existsSync(logPath)) throw new InputError(dir, 1, 1, 'no calls.log: expected a bundle patlab record wrote');
  if (!existsSync(infoPath)) throw new InputError(dir, 1, 1, 'no record-info.txt: expected a bundle patlab record wrote');
  const infoFile = readTextFile(infoPath);
  const info = parseRecordInfo(infoFile.text, infoFile.name);
  const logFile = readTextFile(logPath);
  const log = parseCallLog(logFile.text, logFile.name);
  const k = bootKernel(machine);
  const zones = k.zones as { maxLowPfn: number };
  const notes: string[] = [];
  let pageOffset = info.pageOffset;
  if (info.arch === 'i386' && pageOffset === undefined) {
    pageOffset = 0xc0000000n;
    notes.push('record-info.txt has no page_offset (no kernel config on the recorded machine): CONFIG_PAGE_OFFSET 0xc0000000, the default, assumed');
  }
  const header = [
    `# patlab import: ${log.total} calls recorded on ${info.release ?? 'an unknown kernel'} (${info.arch}), from ${logFile.name}`,
    `machine ${machineRef}`,
  ];
  const t = callLogToTrace(log, { arch: info.arch, tables: k.tables, pageOffset: pageOffset ?? 0n, highmemStartPfn: Number.isFinite(zones.maxLowPfn) ? zones.maxLowPfn : null }, header);
  // One note per reason, naming its functions (four TTM/KVM functions absent is one line, not four).
  const byWhy = new Map<string, string[]>();
  for (const f of info.functions) {
    if (f.status === 'traced') continue;
    const key = `${f.status}${f.why ? `: ${f.why}` : ''}`;
    byWhy.set(key, [...(byWhy.get(key) ?? []), f.name]);
  }
  for (const [why, names] of byWhy) notes.push(`not traced: ${names.join(', ')} (${why})`);
  if (info.overrun > 0) notes.push(`the trace buffer overran: ${info.overrun} events were lost, so calls are missing (record again with a larger -b)`);
  return { ...t, notes: [...notes, ...t.notes], text: t.lines.map((l) => l.text).join('\n') + '\n', info, recorded: log.total, counts: log.counts };
}

/** VM_FAULT_* bits (include/linux/mm_types.h) as patlab's `fault` output names them. */
const VM_FAULT: [number, string][] = [
  [0x1, 'VM_FAULT_OOM'],
  [0x2, 'VM_FAULT_SIGBUS'],
  [0x40, 'VM_FAULT_SIGSEGV'],
  [0x100, 'VM_FAULT_NOPAGE'],
];

/** What the kernel returned, as patlab's result shows it; null where the return says nothing patlab reports. */
function kernelRet(c: RecordedCall, step: StepOutcome): { real: string; model: string } | null {
  if (c.ret === undefined) return null;
  const r = c.ret;
  if (['ioremap', 'ioremap_wc', 'ioremap_wt', 'ioremap_uc', 'ioremap_cache', 'ioremap_prot', 'memremap'].includes(c.name))
    return { real: r === 0n ? 'NULL' : 'ok', model: step.result.isNull ? 'NULL' : 'ok' };
  if (c.name.startsWith('vmf_insert')) {
    const bits = Number(r & 0xffffffffn);
    const real = VM_FAULT.filter(([b]) => bits & b).map(([, n]) => n).join('|') || (bits === 0 ? '0' : hex(bits));
    const fault = step.result.fields?.['fault'];
    const model = String(fault !== undefined ? outText(fault) : (showRet(step.result) ?? 'void'));
    return { real, model };
  }
  const v = Number(BigInt.asIntN(32, r));
  return { real: v === 0 ? '0' : v < 0 ? `-${errnoName(-v)}` : String(v), model: showRet(step.result) ?? 'void' };
}


export interface CheckLine {
  ok: boolean;
  text: string;
}

/**
 * Replay the imported trace and compare with the recording: each replayed call's return value,
 * then the memtype list the recorder read at the end (pat_memtype_list.txt) against patlab's.
 */
export function checkImported(dir: string, traceText: string, traceFile: string, imp: CallImport): CheckLine[] {
  const sc = loadCallTrace(traceText, traceFile, readBeside);
  const o = runScenario(sc, KERNEL_DRIVER, { defaultComm: 'replay' });
  const out: CheckLine[] = [];
  const replayLines = imp.lines.filter((l) => !l.text.startsWith('#') && !l.text.startsWith('machine '));
  o.steps.forEach((st, i) => {
    const c = replayLines[i]?.call;
    if (!c) return;
    const r = kernelRet(c, st);
    if (!r) return;
    const where = `${c.name} (calls.log:${c.line})`;
    out.push(r.real === r.model ? { ok: true, text: `agrees   ${where}: ${r.real}` } : { ok: false, text: `differs  ${where}: real ${r.real}, patlab ${r.model}` });
  });
  if (o.fatal) out.push({ ok: false, text: `differs  the replay ended at step ${o.fatal.step}: ${o.fatal.what} in ${o.fatal.where}` });
  const listPath = join(dir, 'pat_memtype_list.txt');
  if (existsSync(listPath) && !o.fatal) {
    const f = readTextFile(listPath);
    const real = parsePatMemtypeList(f.text, f.name).value.map((e) => `${hex(e.start)}-${hex(e.end)} ${e.type}`);
    const model = parsePatMemtypeList((patMemtypeList(o.kernel.memtype) ?? []).join('\n') + '\n', '<patlab>').value.map((e) => `${hex(e.start)}-${hex(e.end)} ${e.type}`);
    const same = real.length === model.length && real.every((x, i) => x === model[i]);
    out.push(same ? { ok: true, text: `agrees   pat_memtype_list at the end: ${real.length} entries` } : { ok: false, text: `differs  pat_memtype_list at the end: real ${real.length} entries (${real.filter((x) => !model.includes(x)).slice(0, 3).join(', ') || 'none missing'}), patlab ${model.length} (${model.filter((x) => !real.includes(x)).slice(0, 3).join(', ') || 'none extra'})` });
  }
  return out;
}
