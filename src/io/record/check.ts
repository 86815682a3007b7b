/**
 * `patlab import DIR --calls FILE --check`: the written call trace replayed by
 * patlab against what the recorded kernel did (docs/record.md §3): each
 * replayed call's return value, and the memtype list the recorder read at the
 * end.
 *
 * It reads the trace back from the file as the replay goes: the trace's own
 * comments (`# calls.log:N ret=X`) say which recorded call each line replays,
 * so the import keeps no call once written, and the check no step.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hex } from '../../hw/hex.js';
import { errnoName } from '../../kernel/errno.js';
import { patMemtypeList } from '../../kernel/pat/memtype-list.js';
import { KERNEL_DRIVER } from '../../run/driver.js';
import { runScenario, showRet, type StepOutcome } from '../../run/execute.js';
import { parsePatMemtypeList } from '../capture/pat-memtype-list.js';
import { readBeside, readTextFile } from '../read-file.js';
import { linesOf } from '../read-lines.js';
import { outText } from '../render/out-value.js';
import { openCallTraceFile } from '../trace/call-trace-file.js';

/** The recorded call a trace line replays, from the comment to-trace.ts ends it with. */
interface ReplayedCall {
  name: string;
  line: number;
  ret?: bigint;
}

/** `  # calls.log:LINE` and ` ret=` hex(value) (which writes a negative value `0x-N`) at the end of a replayed line. */
const REPLAYED = /  # calls\.log:(\d+)(?: ret=0x(-?)([0-9a-f]+))?$/;

function replayedCall(text: string): ReplayedCall | null {
  const m = REPLAYED.exec(text);
  if (!m) return null;
  const c: ReplayedCall = { name: text.slice(0, text.indexOf(' ')), line: Number(m[1]) };
  if (m[3] !== undefined) c.ret = (m[2] === '-' ? -1n : 1n) * BigInt(`0x${m[3]}`);
  return c;
}

/** VM_FAULT_* bits (include/linux/mm_types.h) as patlab's `fault` output names them. */
const VM_FAULT: [number, string][] = [
  [0x1, 'VM_FAULT_OOM'],
  [0x2, 'VM_FAULT_SIGBUS'],
  [0x40, 'VM_FAULT_SIGSEGV'],
  [0x100, 'VM_FAULT_NOPAGE'],
];

/** What the kernel returned, as patlab's result shows it; null where the return says nothing patlab reports. */
function kernelRet(c: ReplayedCall, step: StepOutcome): { real: string; model: string } | null {
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
 * Replay the trace `importCallLog` wrote to `traceFile` and compare with the recording in
 * `dir`: each replayed call's return value, then the memtype list the recorder read at the
 * end (pat_memtype_list.txt) against patlab's.
 */
export function checkImported(dir: string, traceFile: string): CheckLine[] {
  // The trace is read from its file as the replay goes (twice: once to check it, once to run
  // it), and a second reader of it follows the replay to each step's line for its comment: no
  // step and no outcome is kept, whatever the trace's length.
  const sc = openCallTraceFile(traceFile, readBeside, 0);
  const lines = linesOf(traceFile);
  const out: CheckLine[] = [];
  const lineAt = (n: number): string | undefined => {
    for (let l = lines.next(); !l.done; l = lines.next()) if (l.value[1] === n) return l.value[0];
    return undefined;
  };
  const o = runScenario(sc, KERNEL_DRIVER, {
    defaultComm: 'replay',
    keepOutcome: () => false,
    onOutcome: (step, st) => {
      const line = lineAt(st.pos.line);
      const c = line === undefined ? null : replayedCall(line);
      if (!c) return;
      const r = kernelRet(c, step);
      if (!r) return;
      const where = `${c.name} (calls.log:${c.line})`;
      out.push(r.real === r.model ? { ok: true, text: `agrees   ${where}: ${r.real}` } : { ok: false, text: `differs  ${where}: real ${r.real}, patlab ${r.model}` });
    },
  });
  lines.return(undefined);
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
