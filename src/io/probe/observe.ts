/**
 * Observations (docs/probe.md §2): what the probe module printed in a real
 * kernel, set beside what patlab predicts for the same steps on the machine
 * imported from the same boot, one `agrees`/`differs` line per observation.
 */

import type { KernelContext } from '../../kernel/context.js';
import type { RunOutcome } from '../../run/execute.js';
import { runToJson } from '../render/run-json.js';

export interface RealStep {
  call: string;
  obs: Map<string, string>;
  /** Kernel messages between the step's markers, timestamps removed, in order. */
  messages: string[];
}

export interface RealRun {
  steps: Map<number, RealStep>;
  patMemtypeList: string[];
  directmap: string[];
  /** DirectMap lines once the module is loaded (loading it splits leaves of its own). */
  directmapBegin: string[];
  pid: number | null;
  errors: string[];
}

/** Read the module's dmesg (`probe-dmesg.txt`). */
export function parseProbeDmesg(text: string): RealRun {
  const run: RealRun = { steps: new Map(), patMemtypeList: [], directmap: [], directmapBegin: [], pid: null, errors: [] };
  let cur: RealStep | null = null;
  for (const raw of text.split('\n')) {
    const l = raw.replace(/^\[\s*\d+\.\d+\]\s?/, '');
    if (l === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^patprobe: STEP (\d+) (\S+) BEGIN$/.exec(l))) {
      cur = { call: m[2]!, obs: new Map(), messages: [] };
      run.steps.set(Number(m[1]), cur);
    } else if (/^patprobe: STEP \d+ END$/.test(l)) cur = null;
    else if ((m = /^patprobe: OBS (\d+) ([a-z_]+)=(.*)$/.exec(l))) run.steps.get(Number(m[1]))?.obs.set(m[2]!, m[3]!);
    else if ((m = /^patprobe: LIST (.*)$/.exec(l))) run.patMemtypeList.push(m[1]!);
    else if ((m = /^patprobe: MEMINFO (.*)$/.exec(l))) run.directmap.push(m[1]!);
    else if ((m = /^patprobe: MEMINFO_BEGIN (.*)$/.exec(l))) run.directmapBegin.push(m[1]!);
    else if ((m = /^patprobe: PID (\d+)$/.exec(l))) run.pid = Number(m[1]);
    else if ((m = /^patprobe: ERROR (.*)$/.exec(l))) run.errors.push(m[1]!);
    else if (/^patprobe: (BEGIN|DONE)$/.test(l)) continue;
    else if (cur) cur.messages.push(l);
  }
  return run;
}

export interface Observation {
  what: string;
  real: string;
  predicted: string;
  agrees: boolean;
}

/** patlab's `ret` in the probe's terms: a pointer or page is `ok`/`null`, an int is its value. */
function predictedRet(ret: string | null): string {
  if (ret === null) return '(none)';
  return ret;
}

/** Pair each real observation with patlab's prediction for the same step. */
export function observations(
  real: RealRun,
  predicted: RunOutcome<KernelContext>,
  steps: number[],
  bootPredicted: string[],
): Observation[] {
  interface JStep { index: number; call: string; ret: string | null; fields?: Record<string, unknown>; messages: string[] }
  const j = runToJson(predicted) as { steps: JStep[]; fatal: unknown; final: { pat_memtype_list: string[]; directmap: string[] } };
  const out: Observation[] = [];
  const add = (what: string, r: string, p: string): void => {
    out.push({ what, real: r, predicted: p, agrees: r === p });
  };
  for (const i of steps) {
    const ps = j.steps.find((s) => s.index === i);
    const rs = real.steps.get(i);
    const name = `step ${i} ${ps?.call ?? rs?.call ?? '?'}`;
    if (!rs) {
      add(`${name}: ran`, 'no', 'yes');
      continue;
    }
    if (!ps) {
      add(`${name}: ran`, 'yes', j.fatal ? 'no (patlab: a fatal outcome before it)' : 'no');
      continue;
    }
    const fields = (ps.fields ?? {}) as Record<string, unknown>;
    for (const [k, v] of rs.obs) {
      if (k === 'ret') add(`${name}: return value`, v, predictedRet(ps.ret));
      else if (k === 'pte_type') add(`${name}: PTE type`, v, String(fields['type'] ?? fields['mode'] ?? '(not predicted)'));
      else if (k === 'type') add(`${name}: PTE type`, v, String(fields['type'] ?? '(not predicted)'));
      else add(`${name}: ${k}`, v, String(fields[k] ?? '(not predicted)'));
    }
    add(`${name}: messages`, JSON.stringify(rs.messages), JSON.stringify(ps.messages));
  }
  add('pat_memtype_list', JSON.stringify(real.patMemtypeList), JSON.stringify(j.final.pat_memtype_list));
  // DirectMap as the scenario's steps changed it: boot's split differs by a known model limit
  // (late-boot permission changes, docs/capture-differences.md), and loading the module splits
  // leaves of its own (set_memory_ro/x on its text); the steps' own change must agree.
  add('DirectMap change during the scenario (kB)', directmapDelta(real.directmapBegin, real.directmap), directmapDelta(bootPredicted, j.final.directmap));
  return out;
}

export function observationsToText(obs: Observation[]): string {
  const lines: string[] = [];
  for (const o of obs) {
    if (o.agrees) lines.push(`  agrees   ${o.what}: ${o.real}`);
    else lines.push(`  differs  ${o.what}: real ${o.real}, patlab ${o.predicted}`);
  }
  const n = obs.filter((o) => o.agrees).length;
  lines.push(`  ${n}/${obs.length} observations agree`);
  return lines.join('\n') + '\n';
}

/** `DirectMap4k +8 DirectMap2M -8` from two sets of meminfo DirectMap lines ("none" when equal). */
export function directmapDelta(before: string[], after: string[]): string {
  const kb = (ls: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const l of ls) {
      const r = /^(DirectMap\w+):\s+(\d+) kB$/.exec(l.trim());
      if (r) m.set(r[1]!, Number(r[2]));
    }
    return m;
  };
  const a = kb(before);
  const b = kb(after);
  const parts: string[] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const d = (b.get(k) ?? 0) - (a.get(k) ?? 0);
    if (d !== 0) parts.push(`${k} ${d > 0 ? '+' : ''}${d}`);
  }
  return parts.length ? parts.join(' ') : 'none';
}
