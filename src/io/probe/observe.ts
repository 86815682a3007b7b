/**
 * Observations (docs/probe.md §2): what the probe module printed in a real
 * kernel, set beside what patlab predicts for the same steps on the machine
 * imported from the same boot, one `agrees`/`differs` line per observation.
 */

import type { KernelContext } from '../../kernel/context.js';
import type { RunOutcome } from '../../run/execute.js';
import { runToJson } from '../render/run-json.js';
import { ERRNO_VALUES } from '../../kernel/errno.js';
import { cacheModeFromName } from '../../hw/cache-mode.js';
import { parsePatMemtypeList } from '../capture/pat-memtype-list.js';
import type { MemtypeEntryState } from '../../kernel/setup/late-boot-splits.js';

export interface RealStep {
  call: string;
  obs: Map<string, string>;
  /** Kernel messages between the step's markers, timestamps removed, in order. */
  messages: string[];
  /** The step's END marker was printed (a BUG or an oops kills the module's init inside it). */
  ended: boolean;
}

export interface RealRun {
  steps: Map<number, RealStep>;
  patMemtypeList: string[];
  directmap: string[];
  /** DirectMap lines once the module is loaded (loading it splits leaves of its own). */
  directmapBegin: string[];
  /** pat_memtype_list once the module is loaded. */
  patMemtypeListBegin: string[];
  pid: number | null;
  /** The first pfn of each block an `alloc_pages` step got from the real allocator. */
  allocs: Map<number, number[]>;
  /** Per `ttm_tt_populate`/`ttm_pool_alloc` step: the tt's pages, one per page index (TTRUN lines). */
  ttPages: Map<number, number[]>;
  /** First pfn of each 2 MiB block the boot left 4 KiB-mapped in the direct map (DMAP4K lines, before step 1). */
  split4k: number[];
  /** First pfn of each 1 GiB block of RAM (x86-64 with GB pages) the direct map does not hold as one leaf before step 1 (DMAP2M lines). */
  split1g: number[];
  /** x86-64: the first pfn of each 2 MiB block of the kernel image's high map in 4 KiB pages when the module began (`HMAP4K`). */
  splitHigh4k: number[];
  /** The allocated pages whose direct-map PTE had cache bits (PWT|PCD|PAT) when allocated, by step (`ALLOCBITS`): [pfn, bits]. */
  allocBits: Map<number, [number, number][]>;
  /** The real pid of each fork step's child (FORK lines, printed for the user program's forks). */
  forks: Map<number, number>;
  /** The user program's controller's pid (CTL line): steps of its own (plan token `0:Rn`) run as it. */
  ctl: number | null;
  errors: string[];
}

/**
 * Lines other contexts print on their own schedule, which a slow TCG guest can print between a
 * step's markers: the TSC's refined calibration and the clocksource switch it causes (a delayed
 * work item after boot, arch/x86/kernel/tsc.c `tsc_refine_calibration_work`), the CRNG's
 * readiness (drivers/char/random.c), and the warnings of a machine too slow for its timers
 * (kernel/time/hrtimer.c, kernel/events/core.c, kernel/sched/rt.c, kernel/workqueue.c). No call
 * the probe makes prints them; they are not the step's.
 */
const ASYNC_LINES: readonly RegExp[] = [
  /^tsc: Refined TSC clocksource calibration: /,
  /^clocksource: /,
  /^random: crng init done$/,
  /^hrtimer: interrupt took \d+ ns$/,
  /^perf: interrupt took too long /,
  /^sched: RT throttling activated$/,
  /^workqueue: .* hogged CPU /,
];

/** Read the module's dmesg (`probe-dmesg.txt`). */
export function parseProbeDmesg(text: string): RealRun {
  const run: RealRun = { steps: new Map(), patMemtypeList: [], directmap: [], directmapBegin: [], patMemtypeListBegin: [], pid: null, allocs: new Map(), ttPages: new Map(), split4k: [], split1g: [], splitHigh4k: [], allocBits: new Map(), forks: new Map(), ctl: null, errors: [] };
  let cur: RealStep | null = null;
  for (const raw of text.split('\n')) {
    const l = raw.replace(/^\[\s*\d+\.\d+\]\s?/, '');
    if (l === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^patprobe: STEP (\d+) (\S+) BEGIN$/.exec(l))) {
      cur = { call: m[2]!, obs: new Map(), messages: [], ended: false };
      run.steps.set(Number(m[1]), cur);
    } else if ((m = /^patprobe: STEP (\d+) END$/.exec(l))) {
      const st = run.steps.get(Number(m[1]));
      if (st) st.ended = true;
      cur = null;
    }
    else if ((m = /^patprobe: OBS (\d+) ([a-z_]+)=(.*)$/.exec(l))) run.steps.get(Number(m[1]))?.obs.set(m[2]!, m[3]!);
    else if ((m = /^patprobe: LIST (.*)$/.exec(l))) run.patMemtypeList.push(m[1]!);
    else if ((m = /^patprobe: LIST_BEGIN (.*)$/.exec(l))) run.patMemtypeListBegin.push(m[1]!);
    else if ((m = /^patprobe: MEMINFO (.*)$/.exec(l))) run.directmap.push(m[1]!);
    else if ((m = /^patprobe: MEMINFO_BEGIN (.*)$/.exec(l))) run.directmapBegin.push(m[1]!);
    else if ((m = /^patprobe: PID (\d+)$/.exec(l))) run.pid = Number(m[1]);
    else if ((m = /^patprobe: ALLOC (\d+) (\d+) 0x([0-9a-f]+)$/.exec(l))) {
      const st = Number(m[1]);
      run.allocs.set(st, [...(run.allocs.get(st) ?? []), parseInt(m[3]!, 16)]);
    }
    else if ((m = /^patprobe: TTRUN (\d+) (\d+) (\d+) 0x([0-9a-f]+)$/.exec(l))) {
      // A populated tt's pages, as runs of consecutive pfns: index, length, first pfn.
      const st = Number(m[1]);
      const pages = run.ttPages.get(st) ?? [];
      for (let i = 0; i < Number(m[3]); i++) pages[Number(m[2]) + i] = parseInt(m[4]!, 16) + i;
      run.ttPages.set(st, pages);
    }
    else if ((m = /^patprobe: DMAP4K 0x([0-9a-f]+)$/.exec(l))) run.split4k.push(parseInt(m[1]!, 16));
    else if ((m = /^patprobe: DMAP2M 0x([0-9a-f]+)$/.exec(l))) run.split1g.push(parseInt(m[1]!, 16));
    else if ((m = /^patprobe: HMAP4K 0x([0-9a-f]+)$/.exec(l))) run.splitHigh4k.push(parseInt(m[1]!, 16));
    else if ((m = /^patprobe: ALLOCBITS (\d+) 0x([0-9a-f]+) 0x([0-9a-f]+)$/.exec(l))) {
      const st = Number(m[1]);
      run.allocBits.set(st, [...(run.allocBits.get(st) ?? []), [parseInt(m[2]!, 16), parseInt(m[3]!, 16)]]);
    }
    else if ((m = /^patprobe: FORK (\d+) (\d+)$/.exec(l))) run.forks.set(Number(m[1]), Number(m[2]));
    else if ((m = /^patprobe: CTL (\d+)$/.exec(l))) run.ctl = Number(m[1]);
    else if ((m = /^patprobe: ERROR (.*)$/.exec(l))) run.errors.push(m[1]!);
    else if (/^patprobe: (BEGIN|DONE)$/.test(l)) continue;
    else if (cur && !ASYNC_LINES.some((r) => r.test(l))) cur.messages.push(l);
  }
  return run;
}

export interface Observation {
  what: string;
  real: string;
  predicted: string;
  agrees: boolean;
  /** Said, not compared (not counted). */
  info?: boolean;
}

/** patlab's `ret` in the probe's terms: a pointer or page is `ok`/`NULL`, an errno its number, as the module prints it. */
function predictedRet(ret: string | null): string {
  if (ret === null) return '(none)';
  const e = /^-(E[A-Z0-9]+)$/.exec(ret);
  if (e && ERRNO_VALUES[e[1]!] !== undefined) return String(-ERRNO_VALUES[e[1]!]!);
  return ret;
}

/** Pair each real observation with patlab's prediction for the same step. */
export function observations(
  real: RealRun,
  predicted: RunOutcome<KernelContext>,
  steps: number[],
  bootPredicted: string[],
  bootList: string[] | null,
): Observation[] {
  interface JStep { index: number; call: string; ret: string | null; fields?: Record<string, unknown>; messages: string[] }
  const j = runToJson(predicted) as { steps: JStep[]; fatal: unknown; final: { pat_memtype_list: string[]; directmap: string[] } };
  const out: Observation[] = [];
  const add = (what: string, r: string, p: string): void => {
    out.push({ what, real: r, predicted: p, agrees: r === p });
  };
  // patlab stops before a step that names a handle an earlier failed call left empty (the
  // module stops there too, module-c.ts unboundGuard): from there on nothing is compared, the final state included.
  const unbound = predicted.stopped;
  for (const i of steps) {
    if (unbound && i >= unbound.step) {
      out.push({ what: `steps from ${unbound.step} on`, real: `not compared: step ${unbound.step} ${unbound.call} names '${unbound.handle}', which its step did not return`, predicted: '', agrees: true, info: true });
      return out;
    }
    const ps = j.steps.find((s) => s.index === i);
    const rs = real.steps.get(i);
    const name = `step ${i} ${ps?.call ?? rs?.call ?? '?'}`;
    if (!rs) {
      // Both stopped before it (a fatal outcome at an earlier step): nothing to compare.
      if (ps) add(`${name}: ran`, 'no', 'yes');
      continue;
    }
    if (!ps) {
      add(`${name}: ran`, 'yes', j.fatal ? 'no (patlab: a fatal outcome before it)' : 'no');
      continue;
    }
    const fields = (ps.fields ?? {}) as Record<string, unknown>;
    for (const [k, v] of rs.obs) {
      if (k === 'ret') add(`${name}: return value`, v, predictedRet(ps.ret));
      else if (k === 'type') add(`${name}: ${rs.call === 'lookup_memtype' ? 'memtype' : 'PTE type'}`, v, String(fields['type'] ?? '(not predicted)'));
      else add(`${name}: ${k}`, v, String(fields[k] ?? '(not predicted)'));
    }
    const texts = (ps.messages as unknown[]).map((m) => (typeof m === 'string' ? m : String((m as { text?: unknown }).text))).map(bareWarn);
    const realMsgs = collapseSplats(rs.messages).map(bareWarn);
    const fatal = j.fatal as { step: number; what: string; text: string } | null;
    const predFatal = fatal && fatal.step === i ? fatalKind(fatal.what, fatal.text) : 'none';
    const realFatal = rs.ended ? 'none' : (realMsgs.map((m) => fatalKind('', m)).find((x) => x !== 'none') ?? 'the module stopped without a message');
    if (!rs.ended || predFatal !== 'none') add(`${name}: fatal outcome`, realFatal, predFatal);
    // The oops itself is the fatal outcome above; the lines it printed are not messages.
    const cut = realMsgs.findIndex((m) => fatalKind('', m) !== 'none');
    const predTexts = predFatal !== 'none' ? texts.filter((t) => t !== fatal?.text) : texts;
    add(`${name}: messages`, JSON.stringify(rs.ended || cut < 0 ? realMsgs : realMsgs.slice(0, cut)), JSON.stringify(predTexts));
  }
  const stopped = [...real.steps].find(([, st]) => !st.ended);
  if (stopped) {
    out.push({ what: 'final state', real: `not read: the module stopped in step ${stopped[0]}`, predicted: '', agrees: true, info: true });
    return out;
  }
  // The list as the steps changed it: the boot's entries are the boot model's (check-capture).
  const list = (l: string[] | null): string[] | null => (l === null || (l.length === 1 && l[0] === '(absent)') ? null : l);
  add('pat_memtype_list change', listDelta(list(real.patMemtypeListBegin), list(real.patMemtypeList)), listDelta(bootList, j.final.pat_memtype_list));
  // DirectMap as the scenario's steps changed it: boot's split differs by a known model limit
  // (late-boot permission changes, docs/capture-differences.md), and loading the module splits
  // leaves of its own (set_memory_ro/x on its text); the steps' own change must agree.
  add('DirectMap change during the scenario (kB)', directmapDelta(real.directmapBegin, real.directmap), directmapDelta(bootPredicted, j.final.directmap));
  return out;
}

/**
 * A fatal outcome as both sides can name it: `BUG at FILE` (the kernel's `kernel BUG at
 * FILE:LINE!`, lib/bug.c; patlab names the file, not the line), `Oops` (a fault in kernel
 * mode, arch/x86/mm/fault.c; a general protection fault), or `none`.
 */
export function fatalKind(what: string, text: string): string {
  const bug = /^kernel BUG at ([^:!\s]+)/.exec(text);
  if (bug) return `BUG at ${bug[1]}`;
  if (/^BUG: unable to handle page fault|^BUG: kernel NULL pointer dereference|^general protection fault|^Oops/.test(text)) return 'Oops';
  return what === '' ? 'none' : what;
}

export function observationsToText(obs: Observation[]): string {
  const lines: string[] = [];
  for (const o of obs) {
    if (o.info) lines.push(`  note     ${o.what}: ${o.real}`);
    else if (o.agrees) lines.push(`  agrees   ${o.what}: ${o.real}`);
    else lines.push(`  differs  ${o.what}: real ${o.real}, patlab ${o.predicted}`);
  }
  const compared = obs.filter((o) => !o.info);
  lines.push(`  ${compared.filter((o) => o.agrees).length}/${compared.length} observations agree`);
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

/**
 * A WARN's console block as patlab writes it: `WARNING: message`. The kernel prints
 * `------------[ cut here ]------------`, the message, `WARNING: CPU: n PID: p at FILE:LINE`,
 * registers and a call trace, then `---[ end trace ... ]---` (lib/bug.c, kernel/panic.c
 * __warn); the backtrace is the machine's, not the model's, and is not compared.
 */
export function collapseSplats(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    // dump_stack() after a message (iounmap's "bad address"): the machine's backtrace, not a message.
    // 6.12 prints "CPU: 0 UID: 0 PID: ...".
    if (/^CPU: \d+ (?:UID: \d+ )?PID: \d+ Comm: /.test(lines[i]!)) {
      const end = lines.indexOf(' </TASK>', i);
      if (end >= 0) {
        i = end;
        continue;
      }
    }
    if (lines[i] !== '------------[ cut here ]------------') {
      out.push(lines[i]!);
      continue;
    }
    const msg: string[] = [];
    let j = i + 1;
    if (/^kernel BUG at /.test(lines[j] ?? '')) {
      // A BUG ends the step: its line is the outcome, the register dump after it is the machine's.
      out.push(lines[j]!);
      break;
    }
    while (j < lines.length && !lines[j]!.startsWith('WARNING: CPU: ')) msg.push(lines[j++]!);
    const at = lines[j] ?? '';
    while (j < lines.length && !/^---\[ end trace [0-9a-f]+ \]---$/.test(lines[j]!)) j++;
    out.push(msg.length > 0 ? `WARNING: ${msg.join(' ')}` : at.replace(/^WARNING: CPU: \d+ (?:UID: \d+ )?PID: \d+ /, 'WARNING: '));
    i = j;
  }
  return out;
}

/**
 * A WARN with no message: the kernel's splat names FILE:LINE and the function it was inlined
 * into (`WARNING: at arch/x86/mm/pat/memtype.c:515 memtype_reserve+0x197/0x2c0`), patlab names
 * the macro and the function that has it (`WARNING: WARN_ON_ONCE in reserve_ram_pages_type`):
 * both are compared as the fact of the WARN.
 */
export function bareWarn(m: string): string {
  if (/^WARNING: at \S+:\d+ \S+$/.test(m) || /^WARNING: WARN_ON(_ONCE)? in \S+$/.test(m)) return 'WARNING: (a WARN without a message)';
  return callerMasked(m);
}

/**
 * `caller %pS mapping multiple BARs` (iomem_map_sanity_check, arch/x86/mm/ioremap.c): %pS names
 * the caller's symbol, which on the real kernel is the generated module's function
 * (`patprobe_init+0xa2/0x1000 [patprobe]`) and in patlab is whatever the scenario says. The fact
 * of the message is compared; the symbol is the probe's, not the kernel's decision.
 */
export function callerMasked(m: string): string {
  return m.replace(/^caller \S+(?: \[\S+\])? mapping multiple BARs$/, 'caller (the calling function) mapping multiple BARs');
}

/** `+line` / `-line` between two pat_memtype_list snapshots (multisets), "none" when equal. */
export function listDelta(before: string[] | null, after: string[] | null): string {
  if (before === null || after === null) return before === after ? 'none (no list)' : `${before === null ? 'absent' : 'present'} -> ${after === null ? 'absent' : 'present'}`;
  const count = new Map<string, number>();
  for (const l of before) count.set(l, (count.get(l) ?? 0) - 1);
  for (const l of after) count.set(l, (count.get(l) ?? 0) + 1);
  const parts: string[] = [];
  for (const [l, n] of count) for (let i = 0; i < Math.abs(n); i++) parts.push(`${n > 0 ? '+' : '-'}${l.replace(/^PAT: /, '')}`);
  return parts.length ? parts.join('; ') : 'none';
}

/**
 * The entries of the real list when the module started (`LIST_BEGIN`) that the predicted boot list
 * lacks (as multisets): what an earlier module of the same boot left in the tree, to be replayed
 * into the prediction. A line that is not an entry (the header, `(absent)`) is skipped.
 */
export function leftoverEntries(realBegin: readonly string[], bootList: readonly string[] | null): MemtypeEntryState[] {
  const have = new Map<string, number>();
  for (const l of bootList ?? []) have.set(l, (have.get(l) ?? 0) + 1);
  const out: MemtypeEntryState[] = [];
  for (const l of realBegin) {
    const n = have.get(l) ?? 0;
    if (n > 0) {
      have.set(l, n - 1);
      continue;
    }
    for (const e of parsePatMemtypeList(l, 'LIST_BEGIN').value) {
      const type = cacheModeFromName(e.type);
      if (type !== undefined) out.push({ start: e.start, end: e.end, type });
    }
  }
  return out;
}
