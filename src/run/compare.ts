/**
 * `patlab compare`: one scenario, run once per design on a fresh kernel
 * booted from the same machine, judged by the check layer from the run's
 * mapping timeline, side by side. Nothing is shared between runs, so
 * results never depend on the order designs run in.
 */

import { BootTemplate } from './boot-template.js';
import { cattrName, memTypeShort, type CacheMode, type MemType } from '../hw/cache-mode.js';
import { aliasesOf } from '../check/aliases.js';
import { modeChanges } from '../check/changes.js';
import { runCosts } from '../check/costs.js';
import { debugWarns } from '../check/debug-warns.js';
import { EffectiveTypes } from '../check/effective.js';
import { hazardsOf } from '../check/hazards.js';
import { judgedAtEnd } from '../check/judged-events.js';
import { TimelineRecorder, type MappingLife, type Timeline } from '../check/timeline.js';
import type { CallResult, HandleValue } from '../calls/types.js';
import type { KernelEvent } from '../kernel/events.js';
import type { Kernel } from '../kernel/kernel.js';
import { NotModelledError } from '../kernel/not-modelled.js';
import { VM_FAULT_NOPAGE, vmFaultName } from '../kernel/vm/fault.js';
import { hex } from '../hw/hex.js';
import type { SelectedPolicy } from '../policy/registry.js';
import { KERNEL_DRIVER } from './driver.js';
import { CallUnavailableError, runScenario, showRet, type KernelDriver, type RunOutcome, type StepOutcome } from './execute.js';
import type { FailedCall, Lane, LaneGroup, PolicyDetail, PolicyResult, ReportedMapping, ScenarioComparison, Totals } from './result.js';
import type { Scenario } from './scenario.js';

/** The map-event space a kind of mapping is written in. */
function spaceOf(kind: MappingLife['kind']): string {
  switch (kind) {
    case 'user':
      return 'user';
    case 'kmap':
    case 'kmap_local':
      return 'kmap';
    case 'direct':
    case 'highmap':
      return 'direct';
    default:
      return 'vmalloc';
  }
}

/** The life a virtual address belonged to: the latest created one containing it (a handle outlives its mapping). */
function lifeAt(tl: Timeline, vaddr: number, pid: number | null): MappingLife | null {
  let best: MappingLife | null = null;
  for (const l of tl.lives) {
    if (l.vaddr === null || vaddr < l.vaddr || vaddr >= l.vaddr + l.npages * 4096) continue;
    if (l.kind === 'user' && pid !== null && !l.owner.startsWith(`pid ${pid} `)) continue;
    if (!best || l.created > best.created || (l.created === best.created && l.id > best.id)) best = l;
  }
  return best;
}

/** The last bits a life had while mapped (its final segment that mapped something). */
function lastBits(l: MappingLife): number {
  for (let i = l.segments.length - 1; i >= 0; i--) if (l.segments[i]!.bits4k >= 0) return l.segments[i]!.bits4k;
  return -1;
}

/** The mapping a handle stands for, with the mode it had while it lived (the end of the run may be after it was gone). */
function reportMapping(k: Kernel, tl: Timeline, o: RunOutcome<Kernel>, eff: EffectiveTypes, name: string, h: HandleValue): ReportedMapping | null {
  const stepOf = o.scenario.steps.find((s) => s.as === name);
  const argMode = (): CacheMode | undefined => {
    const raw = stepOf?.args['prot'] ?? stepOf?.args['caching'];
    return raw && raw.t === 'mode' ? raw.v : undefined;
  };
  let life: MappingLife | null;
  let pfn: number;
  const npages = h.kind === 'pages' ? h.pfns.length : h.kind === 'mapping' ? Math.ceil(h.size / 4096) : 0;
  if (h.kind === 'pages') {
    pfn = h.pfns[0]!;
    life = tl.lives.find((l) => l.kind === 'direct' && pfn >= l.pfn && pfn < l.pfn + l.npages) ?? null;
    if (!life || lastBits(life) < 0) return { name, kind: 'direct', pfn, requested: '-', installed: 'none (no linear mapping)', effective: '-', npages, from: null, to: null };
  } else if (h.kind === 'mapping') {
    life = lifeAt(tl, h.vaddr, stepOf?.pid ?? null);
    if (!life) return { name, kind: 'none', pfn: h.phys !== undefined ? Math.floor(h.phys / 4096) : 0, requested: '-', installed: 'not mapped', effective: '-', npages, from: null, to: null };
    pfn = life.pfn + Math.floor((h.vaddr - life.vaddr!) / 4096);
  } else return null;
  const bits = lastBits(life);
  const installed = k.tables.pgprot2cachemode(bits);
  // The request behind it: the last map event of its space covering the pfn while it lived.
  const space = spaceOf(life.kind);
  let requested: number | undefined;
  for (let ei = 0; ei < k.log.events.length; ei++) {
    const e = k.log.events[ei]!;
    if (e.kind !== 'map' || e.space !== space || pfn < e.pfn || pfn >= e.pfn + e.npages) continue;
    if (e.step < life.created || (life.removed !== null && e.step >= life.removed)) continue;
    requested = e.requested;
  }
  requested ??= argMode() ?? installed;
  const e = eff.of(pfn, bits);
  return {
    name,
    kind: life.kind,
    pfn,
    requested: cattrName(requested as CacheMode),
    installed: cattrName(installed),
    effective: memTypeShort(e.effective as MemType),
    npages,
    from: life.created,
    to: life.removed,
  };
}

function laneOf(k: Kernel, eff: EffectiveTypes, l: MappingLife, pfn: number): Lane {
  return {
    life: l.id,
    kind: l.kind,
    owner: l.owner,
    created: l.created,
    removed: l.removed,
    segments: l.segments.map((s) =>
      s.bits4k < 0
        ? { from: s.from, installed: l.kind === 'hold' ? (l.refcounted ? 'reference' : 'no reference') : 'none', effective: '-' }
        : { from: s.from, installed: cattrName(k.tables.pgprot2cachemode(s.bits4k)), effective: memTypeShort(eff.of(pfn, s.bits4k).effective as MemType) },
    ),
    ...(l.properties ? { properties: l.properties } : {}),
  };
}

/** Lane groups: every mapping that ever covered a flagged range, aliases first. */
function lanesOf(k: Kernel, tl: Timeline, eff: EffectiveTypes, res: PolicyResult): LaneGroup[] {
  const flagged: { pfn: number; npages: number; flag: string }[] = [
    ...res.aliases.map((a) => ({ pfn: a.pfn, npages: a.npages, flag: `alias ${a.severity}` })),
    ...res.changes.map((c) => ({ pfn: c.pfn, npages: c.npages, flag: 'changed' })),
    ...res.hazards.map((h) => ({ pfn: h.pfn, npages: h.npages, flag: 'hazard' })),
  ];
  const out: LaneGroup[] = [];
  const seen = new Set<string>();
  for (const f of flagged) {
    if (out.length >= 16) break;
    const key = `${f.pfn}|${f.npages}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const lives = tl.lives.filter((l) => l.pfn < f.pfn + f.npages && f.pfn < l.pfn + l.npages);
    out.push({ ...f, mappings: lives.map((l) => laneOf(k, eff, l, f.pfn)) });
  }
  return out;
}

function detailOf(k: Kernel, tl: Timeline, o: RunOutcome<Kernel>, eff: EffectiveTypes, res: PolicyResult): PolicyDetail {
  const t = k.memtype.tree;
  const tree: PolicyDetail['tree'] = [];
  for (const id of t.entries()) tree.push({ start: t.start(id), end: t.end(id), type: cattrName(t.type(id)) });
  return {
    steps: o.steps.map((s) => ({ index: s.index, call: s.call, args: s.args, ret: showRet(s.result) ?? null, messages: s.messages.map((m) => m.text) })),
    tree,
    pageMemtype: o.final.pageMemtype,
    lanes: lanesOf(k, tl, eff, res),
  };
}

/** How a call failed as its caller sees it (docs/checks.md §5): NULL, a negative errno, a fault other than NOPAGE, a KVM pfn error; undefined when it did not. */
export function callFailure(r: CallResult): string | undefined {
  const f = r.fields ?? {};
  if (r.isNull) return 'NULL';
  if (r.ret !== undefined && r.ret < 0) return showRet(r);
  const fault = f['fault'];
  if (typeof fault === 'object' && 'fault' in fault && fault.fault !== VM_FAULT_NOPAGE) {
    const at = f['at'];
    // The kernel's name of the code, and the address as a message prints it (hw/hex.ts): the text of a failed call, not a step's output.
    return `${vmFaultName(fault.fault)}${typeof at === 'object' && 'addr' in at ? ` at ${hex(at.addr)}` : ''}`;
  }
  // A KVM_PFN_ERR_* name (an errno value under `err` comes with NULL, said above).
  if (typeof f['err'] === 'string') return f['err'];
  return undefined;
}

/** A step whose call failed (a pure query's NULL is an answer, not a failure). */
function isFailedStep(st: StepOutcome): boolean {
  return !st.pure && callFailure(st.result) !== undefined;
}

/** Steps whose call failed, as the kernel would report it to its caller. */
function failedSteps(o: RunOutcome<Kernel>): FailedCall[] {
  const out: FailedCall[] = [];
  for (const st of o.steps) {
    if (st.pure) continue;
    const what = callFailure(st.result);
    if (!what) continue;
    // The check that refused, else the kernel's own message of that step (its reason in its words).
    const reason = st.reason ?? st.messages[0]?.text;
    out.push({ step: st.index, call: st.call, what, ...(reason !== undefined ? { reason } : {}) });
  }
  return out;
}

const NO_TOTALS: Totals = { aliased_pages: 0, aliased_pages_high: 0, changed_pages: 0, changed_pages_weaker: 0, hazard_pages: 0, failed_calls: 0, fatal: false };

function emptyResult(policy: string, outcome: PolicyResult['outcome'], reason: string): PolicyResult {
  return { policy, outcome, reason, totals: { ...NO_TOTALS }, mappings: [], aliases: [], changes: [], hazards: [], warns: [], errors: [], costs: {} };
}

/** What to compute besides the judgement: `detail` (steps, memory state, lanes) only the HTML views need. */
export interface CompareOptions {
  detail?: boolean;
  /** How to get the booted kernel (default: boot the scenario's machine; explore clones one it booted, kernel/clone.ts). */
  boot?: KernelDriver<Kernel>['boot'];
  /** The scenario machine's one boot, cloned per design (when `boot` is not given). */
  template?: BootTemplate;
  /** Keep only the failed steps' outcomes in the run's outcome: all a result without `detail` reads (a long trace's outcomes are not held). */
  failedOutcomesOnly?: boolean;
  /** The machine's effective types under the kernel's PAT MSR, when the caller judges many runs of one boot (explore). */
  effective?: EffectiveTypes;
}

/** A run judged: what the checks make of its timeline and events. */
export interface JudgedRun {
  result: PolicyResult;
  outcome: RunOutcome<Kernel>;
  timeline: Timeline;
  eff: EffectiveTypes;
}

/** Run one scenario under one design and judge it (null outcome: the design could not run it). */
export function judgeUnderPolicy(sc: Scenario, p: SelectedPolicy, opts: CompareOptions = {}): JudgedRun | PolicyResult {
  const skip = p.skips[sc.name];
  if (skip) return emptyResult(p.name, 'skipped', skip);
  const rec = new TimelineRecorder();
  // Judged only at the end from what the checks read: each finished step keeps only those events (a long trace's log is its findings' inputs).
  // The handles' report reads every map event, and a final `messages:` expectation every message.
  const retain = opts.failedOutcomesOnly === true && !sc.report?.length && !sc.expect?.messages;
  let o: RunOutcome<Kernel>;
  try {
    const boot = opts.boot ?? opts.template?.boot;
    o = runScenario(sc, boot ? { ...KERNEL_DRIVER, boot } : KERNEL_DRIVER, {
      hooks: p.hooks,
      stopOnUnboundHandle: true,
      lazyFinal: true,
      onStep: (k, step, pure) => rec.observe(k, step, pure),
      ...(opts.failedOutcomesOnly ? { keepOutcome: isFailedStep } : {}),
      ...(retain ? { retain: judgedAtEnd } : {}),
    });
  } catch (e) {
    const r = unrunResult(p, e);
    if (r) return r;
    throw e;
  }
  return judgeRun(sc, p, o, rec.finish(), opts);
}

/** A design's result for a run that could not go on (`e` thrown by a step), or null when `e` is not such an ending. */
export function unrunResult(p: SelectedPolicy, e: unknown): PolicyResult | null {
  if (e instanceof CallUnavailableError) return emptyResult(p.name, 'not-applicable', e.detail);
  // A design can drive the kernel somewhere the model stops ("not modelled:
  // ..."); that is a result for this design, not a failure of the others.
  if (e instanceof NotModelledError) return emptyResult(p.name, 'not-modelled', e.what);
  return null;
}

/** The judgement of a run of `sc` under design `p`: its outcome `o` and the timeline recorded while it ran. */
export function judgeRun(sc: Scenario, p: SelectedPolicy, o: RunOutcome<Kernel>, tl: Timeline, opts: CompareOptions = {}): JudgedRun {
  const k = o.kernel;
  const eff = opts.effective?.machine === k.machine && opts.effective.patMsr === k.patMsr ? opts.effective : new EffectiveTypes(k.machine, k.patMsr);
  const errors = failedSteps(o);
  if (o.stopped) {
    const producer = o.stopped.producer;
    errors.push({ step: o.stopped.step, call: o.stopped.call, what: `not run: '${o.stopped.handle}' has no value${producer ? ` (step ${producer.index}, ${producer.call}, returned none under this design)` : ''}; the run stops here` });
  }
  const events: readonly KernelEvent[] = k.log.events;
  const aliases = aliasesOf(tl, eff);
  const changes = modeChanges(events, new Set(errors.map((e) => e.step)), k.patEnabled);
  const hazards = hazardsOf(tl, events);
  const mappings: ReportedMapping[] = [];
  for (const r of sc.report ?? []) {
    const h = o.handles.get(r.name);
    if (!h) continue;
    const m = reportMapping(k, tl, o, eff, r.name, h);
    if (m) mappings.push(m);
  }
  const res: PolicyResult = {
    policy: p.name,
    outcome: o.fatal ? 'fatal' : 'ok',
    totals: {
      aliased_pages: aliases.pages,
      aliased_pages_high: aliases.pagesHigh,
      changed_pages: changes.pages,
      changed_pages_weaker: changes.pagesWeaker,
      hazard_pages: hazards.pages,
      failed_calls: errors.length,
      fatal: o.fatal !== undefined,
    },
    mappings,
    aliases: aliases.ranges,
    changes: changes.changes,
    hazards: hazards.hazards,
    warns: debugWarns(k),
    errors,
    costs: runCosts(k),
  };
  if (opts.detail !== false) res.detail = detailOf(k, tl, o, eff, res);
  if (o.fatal) {
    res.fatal = o.fatal;
    res.reason = `${o.fatal.what} in ${o.fatal.where} at step ${o.fatal.step}`;
  }
  return { result: res, outcome: o, timeline: tl, eff };
}

export function runUnderPolicy(sc: Scenario, p: SelectedPolicy, opts: CompareOptions = {}): PolicyResult {
  // Only the result is returned: without its detail it reads no outcome but the failed calls'.
  const j = judgeUnderPolicy(sc, p, opts.detail === false ? { ...opts, failedOutcomesOnly: true } : opts);
  return 'result' in j ? j.result : j;
}

/** A comparison's scenario and machine, without results. */
export function scenarioHeader(sc: Scenario): Omit<ScenarioComparison, 'policies'> {
  const ram = sc.machine.e820.filter((e) => e.type === 'usable').map((e) => ({ start: Math.ceil(e.start / 4096), end: Math.floor(e.end / 4096) }));
  const out: Omit<ScenarioComparison, 'policies'> = {
    name: sc.name,
    machine: sc.machine.name,
    kernel: sc.machine.kernel,
    ram,
    maxPfn: ram.reduce((m, r) => Math.max(m, r.end), 0),
  };
  if (sc.description) out.description = sc.description;
  if (sc.roles) out.roles = { ...sc.roles };
  return out;
}

/** The scenario under each design, from one boot of its machine (unless `opts` says how to boot); `onResult` after each design. */
export function compareScenario(sc: Scenario, policies: readonly SelectedPolicy[], opts: CompareOptions & { onResult?: () => void } = {}): ScenarioComparison {
  const o = opts.boot || opts.template ? opts : { ...opts, template: new BootTemplate(sc.machine) };
  return {
    ...scenarioHeader(sc),
    policies: policies.map((p) => {
      const r = runUnderPolicy(sc, p, o);
      opts.onResult?.();
      return r;
    }),
  };
}
