/**
 * `patlab explore` (docs/explore.md): breadth-first search over call
 * sequences from a booted machine, per design, for the shortest sequence
 * that violates each invariant, or a bound on its absence ("holds up to
 * depth N, S distinct states").
 *
 * A state is a call sequence; its kernel is the one `patlab compare` would
 * run for that sequence as a scenario (same runner, same checks), so a
 * counterexample is a scenario that reproduces it. States whose kernels
 * have equal fingerprints (fingerprint.ts) are expanded once. Successors
 * are tried in a fixed order — the vocabulary's calls in file order, each
 * argument's values in the order written, handles of a class oldest first —
 * so among equally short counterexamples the first in that order is
 * reported, whatever the thread count.
 */

import type { HandleValue, OutFields } from '../../calls/types.js';
import { EffectiveTypes } from '../../check/effective.js';
import { TimelineRecorder } from '../../check/timeline.js';
import { ExploreTiming } from './timing.js';
import { cloneKernel, cloneKernelWith, sharedParts } from '../../kernel/clone.js';
import { bootKernel, type Kernel } from '../../kernel/kernel.js';
import type { SelectedPolicy } from '../../policy/registry.js';
import { callFailure, judgeRun, judgeUnderPolicy, unrunResult, type JudgedRun } from '../compare.js';
import { KERNEL_DRIVER } from '../driver.js';
import { ScenarioRun, showRet, type RunOutcome } from '../execute.js';
import type { RawArg, Scenario, ScenarioStep } from '../scenario.js';
import { fingerprint, type LiveHandle } from './fingerprint.js';
import { runViolations, teardownResidue, type InvariantName, type Violation } from './invariants.js';
import type { VocabCall, Vocabulary } from './vocabulary.js';

export interface ExploreOptions {
  depth: number;
  /** Stop a design's search after this many distinct states (the result says it was cut). */
  maxStates: number;
  invariants: readonly InvariantName[];
  /**
   * Keep the runs of at most this many states of a depth, to run their
   * successors one call further (default KEEP_RUNS); the others' successors
   * run from boot. The results are the same either way; only time and memory differ.
   */
  keepRuns?: number;
  /** Filled with where the time went (one thread: a worker's copy would stay in the worker). */
  timing?: ExploreTiming;
}

/** About 20 KB each on the small machine (a kernel and a timeline): 20 000 of them stay within half a GiB. */
export const KEEP_RUNS = 20000;

/** One step of a sequence, as a scenario step and as it is written back. */
export interface ExploreStep {
  call: string;
  /** Arguments as written in a scenario, in the call's order. */
  args: [string, string][];
  as?: string;
}

/** A step of a counterexample with what it returned under the design. */
export interface CounterexampleStep extends ExploreStep {
  ret?: string;
  /** The step's outputs, typed (io formats them: io/render/out-value.ts). */
  fields: OutFields;
  messages: string[];
  fatal?: true;
}

export interface Counterexample {
  invariant: InvariantName;
  /** 1-based step at which it is violated. */
  step: number;
  detail: string;
  steps: CounterexampleStep[];
}

export interface InvariantResult {
  invariant: InvariantName;
  /** `violated` with the shortest counterexample, `holds` up to the depth searched (`cut`: the state budget ran out first). */
  status: 'violated' | 'holds';
  counterexample?: Counterexample;
}

export interface DesignExplore {
  policy: string;
  /** Distinct states (booted state included). */
  states: number;
  /** Sequences run (each a successor of a distinct state). */
  runs: number;
  /** Successors whose kernel state had been seen already. */
  duplicates: number;
  /** Successors the model does not cover (a `not modelled` step) or the design cannot run (a call it lacks). */
  pruned: number;
  /** Distinct states found at each depth (index 0: the booted state). */
  perDepth: number[];
  /** The depth up to which every sequence was explored. */
  depth: number;
  /** The search stopped at the state budget before finishing `depth`. */
  cut: boolean;
  results: InvariantResult[];
}

export interface ExploreNode {
  steps: ExploreStep[];
  scenarioSteps: ScenarioStep[];
  live: LiveHandle[];
  /** Handles made so far, per class (names are CLASS + ordinal). */
  made: Map<string, number>;
  touched: Set<number>;
  /** The state's run, kept to run its successors one call further instead of from boot (see `keep`). */
  run?: NodeRun;
}

/** A state's kernel and the rest of its run: its handles, its steps' outcomes and its timeline recorder. */
export interface NodeRun {
  outcome: RunOutcome<Kernel>;
  rec: TimelineRecorder;
}

function pfnsOf(v: HandleValue | undefined): number[] {
  if (!v) return [];
  if (v.kind === 'pages') return v.pfns;
  if (v.kind === 'range') {
    const out: number[] = [];
    for (let p = Math.floor(v.start / 4096); p < Math.ceil(v.end / 4096) && out.length < 64; p++) out.push(p);
    return out;
  }
  return [];
}

/** Every successor of `n` in the documented order: each call with each combination of its arguments' values. */
function* successors(vocab: Vocabulary, n: ExploreNode, available: ReadonlySet<string>): Generator<{ call: VocabCall; picks: (LiveHandle | null)[]; values: RawArg[]; texts: string[] }> {
  const liveOf = (cls: string): LiveHandle[] => n.live.filter((h) => h.cls === cls);
  for (const call of vocab.calls) {
    if (!available.has(call.call)) continue;
    if (call.as !== undefined && liveOf(call.as).length >= vocab.classes.get(call.as)!) continue;
    if (call.requires.some((c) => liveOf(c).length === 0)) continue;
    // Per argument, its options: literals, or each live (non-token) handle of the class.
    const options = call.args.map((a) => {
      const out: { pick: LiveHandle | null; raw: RawArg; text: string }[] = [];
      for (const c of a.choices) {
        if (c.t === 'literal') out.push({ pick: null, raw: c.raw, text: c.text });
        else
          for (const h of liveOf(c.cls)) {
            if (!h.value) continue;
            if (call.consumes === a.name && h.holds.length > 0) continue;
            const raw: RawArg = { t: 'ref', name: h.name };
            if (c.index !== undefined) raw.index = c.index;
            if (c.offset !== undefined) raw.offset = c.offset;
            out.push({ pick: h, raw, text: `${h.name}${c.index !== undefined ? `.${c.index}` : ''}${c.offset !== undefined ? `+0x${c.offset.toString(16)}` : ''}` });
          }
      }
      return out;
    });
    if (options.some((o) => o.length === 0)) continue;
    const idx = options.map(() => 0);
    for (;;) {
      yield { call, picks: idx.map((i, a) => options[a]![i]!.pick), values: idx.map((i, a) => options[a]![i]!.raw), texts: idx.map((i, a) => options[a]![i]!.text) };
      let a = options.length - 1;
      while (a >= 0 && ++idx[a]! >= options[a]!.length) idx[a--] = 0;
      if (a < 0) break;
    }
  }
}

function scenarioOf(vocab: Vocabulary, steps: ScenarioStep[]): Scenario {
  return { file: vocab.file, name: `${vocab.name}-explore`, machine: vocab.machine, steps };
}

/** What exploring one design needs at every step: its runner, its booted kernel, the calls it has. */
export interface ExploreContext {
  vocab: Vocabulary;
  policy: SelectedPolicy;
  /** The design's kernel booted once; every run starts from a clone of it. */
  template: Kernel;
  /** What the clones share with it (kernel/clone.ts sharedParts). */
  shared: ReadonlyMap<object, unknown>;
  /** Where the time goes, when the caller measures it. */
  timing?: ExploreTiming;
  /** The booted machine's effective types, which every run of the design judges with (they depend on the machine and the PAT MSR only). */
  effective: EffectiveTypes;
  wanted: ReadonlySet<InvariantName>;
  booted: JudgedRun['outcome']['kernel'];
  available: ReadonlySet<string>;
}

function judge(ctx: Pick<ExploreContext, 'vocab' | 'policy' | 'template' | 'shared' | 'effective' | 'timing'>, steps: ScenarioStep[], keep: boolean): { j: JudgedRun; run?: NodeRun } | null {
  const sc = scenarioOf(ctx.vocab, steps);
  if (!keep) {
    const j = judgeUnderPolicy(sc, ctx.policy, { detail: false, effective: ctx.effective, boot: () => cloneKernel(ctx.template, ctx.shared) });
    return 'result' in j ? { j } : null;
  }
  // The same run as judgeUnderPolicy's, with its recorder kept for the state's successors.
  if (ctx.policy.skips[sc.name]) return null;
  const rec = new TimelineRecorder();
  const k = cloneKernel(ctx.template, ctx.shared);
  rec.observe(k, 0, false);
  const run = new ScenarioRun(sc, KERNEL_DRIVER, runOptions(ctx, rec), k);
  return runOn(ctx, sc, run, rec, steps);
}

function runOptions(ctx: Pick<ExploreContext, 'policy' | 'timing'>, rec: TimelineRecorder): ConstructorParameters<typeof ScenarioRun<Kernel>>[2] {
  const t = ctx.timing;
  const onStep = t
    ? (k: Kernel, step: number, pure: boolean): void => {
        const t0 = ExploreTiming.now();
        rec.observe(k, step, pure);
        t.add('record', t0);
      }
    : (k: Kernel, step: number, pure: boolean): void => rec.observe(k, step, pure);
  return { hooks: ctx.policy.hooks, stopOnUnboundHandle: true, lazyFinal: true, onStep };
}

/** Run `steps` on `run` and judge it as judgeUnderPolicy does; null when the design or the model cannot run them. */
function runOn(ctx: Pick<ExploreContext, 'policy' | 'effective' | 'timing'>, sc: Scenario, run: ScenarioRun<Kernel>, rec: TimelineRecorder, steps: readonly ScenarioStep[]): { j: JudgedRun; run: NodeRun } | null {
  const t0 = ctx.timing ? ExploreTiming.now() : 0;
  try {
    for (const st of steps) if (!run.step(st)) break;
  } catch (e) {
    if (unrunResult(ctx.policy, e)) return null;
    throw e;
  }
  const t1 = ctx.timing ? ExploreTiming.now() : 0;
  ctx.timing?.add('step', t0);
  const outcome = run.finish();
  const j = judgeRun(sc, ctx.policy, outcome, rec.finish(), { detail: false, effective: ctx.effective });
  ctx.timing?.add('judge', t1);
  return { j, run: { outcome, rec } };
}

/**
 * `parent`'s run one step `st` further, on a copy of its kernel and
 * recorder: the same kernel and judgement as running the whole sequence
 * from boot (test/run/explore/explore.test.ts checks both ways agree).
 */
function judgeStep(ctx: Pick<ExploreContext, 'vocab' | 'policy' | 'shared' | 'effective' | 'timing'>, parent: NodeRun, steps: ScenarioStep[]): { j: JudgedRun; run: NodeRun } | null {
  const sc = scenarioOf(ctx.vocab, steps);
  if (ctx.policy.skips[sc.name]) return null;
  const t0 = ctx.timing ? ExploreTiming.now() : 0;
  const [k, rec] = cloneKernelWith(parent.outcome.kernel, parent.rec, ctx.shared);
  ctx.timing?.add('copy', t0);
  rec.resume();
  const run = new ScenarioRun(sc, KERNEL_DRIVER, runOptions(ctx, rec), k, new Map(parent.outcome.handles), [...parent.outcome.steps]);
  return runOn(ctx, sc, run, rec, steps.slice(-1));
}

/** The booted state of a design, and the context its search runs in. */
export function exploreContext(vocab: Vocabulary, policy: SelectedPolicy, invariants: readonly InvariantName[], timing?: ExploreTiming): { ctx: ExploreContext; root: ExploreNode; fingerprint: string } {
  const template = bootKernel(vocab.machine, policy.hooks);
  const shared = sharedParts(template);
  const effective = new EffectiveTypes(template.machine, template.patMsr);
  const boot = judge({ vocab, policy, template, shared, effective }, [], true)!;
  const booted = boot.j.outcome.kernel;
  const available = new Set(vocab.calls.map((c) => c.call).filter((name) => (KERNEL_DRIVER.calls.get(name)!.available?.(booted) ?? null) === null));
  const ctx: ExploreContext = { vocab, policy, template, shared, effective, wanted: new Set(invariants), booted, available, ...(timing ? { timing } : {}) };
  return { ctx, root: { steps: [], scenarioSteps: [], live: [], made: new Map(), touched: new Set(), run: boot.run! }, fingerprint: fingerprint(booted, [], []) };
}

/** A successor of a state. */
export type Successor = ReturnType<typeof successors> extends Generator<infer S> ? S : never;

/** The successors of a state in the documented order. */
export function successorsOf(ctx: ExploreContext, n: ExploreNode): Generator<Successor> {
  return successors(ctx.vocab, n, ctx.available);
}

/**
 * Run `n`'s sequence plus one call: the child state, the invariants it
 * violates, and whether it can be extended (not after a fatal outcome);
 * null when the model or the design does not cover the call. The call runs
 * on a copy of `n`'s kernel when `n` kept its run, else the sequence runs
 * from boot; `keep`: the child keeps its run for its own successors.
 */
export function childOf(ctx: ExploreContext, n: ExploreNode, s: Successor, keep = false): { node: ExploreNode; judged: JudgedRun; violations: Violation[]; terminal: boolean } | null {
  const index = n.steps.length + 1;
  const made = new Map(n.made);
  let as: string | undefined;
  const spec = KERNEL_DRIVER.calls.get(s.call.call)!;
  if (s.call.as !== undefined) {
    const k = (made.get(s.call.as) ?? 0) + 1;
    made.set(s.call.as, k);
    as = `${s.call.as}${k}`;
  }
  const st: ScenarioStep = { index, call: s.call.call, args: {}, argPos: {}, pos: s.call.pos };
  s.call.args.forEach((a, i) => {
    st.args[a.name] = s.values[i]!;
    st.argPos[a.name] = s.call.pos;
  });
  if (as !== undefined && spec.produces) st.as = as;
  const scenarioSteps = [...n.scenarioSteps, st];
  const r = n.run ? judgeStep(ctx, n.run, scenarioSteps) : judge(ctx, scenarioSteps, keep);
  if (!r) return null;
  const j = r.j;
  const o = j.outcome;
  const last = o.steps[o.steps.length - 1];
  const ok = last !== undefined && last.index === index && !o.fatal && callFailure(last.result) === undefined;
  // The universe after the step: what it made, consumed, held and released.
  let live = n.live.map((h) => ({ ...h, holds: [...h.holds] }));
  const pickName = (arg: string): string | undefined => s.picks[s.call.args.findIndex((a) => a.name === arg)]?.name;
  if (ok) {
    if (as !== undefined) {
      const value = spec.produces ? o.handles.get(as) : undefined;
      if (!spec.produces || value) live.push({ name: as, cls: s.call.as!, holds: [], ...(value ? { value } : {}) });
    }
    for (const hd of s.call.hold) {
      const target = live.find((h) => h.name === pickName(hd.arg));
      const label = hd.from === 'arg' ? pickName(hd.label) : hd.from === 'as' ? as : hd.label;
      if (target && label !== undefined && !target.holds.includes(label)) target.holds.push(label);
    }
    for (const hd of s.call.release) {
      const target = live.find((h) => h.name === pickName(hd.arg));
      const label = hd.from === 'arg' ? pickName(hd.label) : hd.from === 'as' ? as : hd.label;
      if (target) target.holds = target.holds.filter((x) => x !== label);
    }
    const gone = new Set(live.filter((h) => s.call.ends.includes(h.cls)).map((h) => h.name));
    if (s.call.consumes !== undefined) gone.add(pickName(s.call.consumes)!);
    if (gone.size) {
      live = live.filter((h) => !gone.has(h.name));
      for (const h of live) h.holds = h.holds.filter((x) => !gone.has(x));
    }
  }
  const touched = new Set(n.touched);
  for (const h of live) for (const pfn of pfnsOf(h.value)) touched.add(pfn);
  for (const l of j.timeline.lives) for (let q = l.pfn; q < l.pfn + Math.min(l.npages, 64); q++) touched.add(q);
  const step: ExploreStep = { call: s.call.call, args: s.call.args.map((a, i) => [a.name, s.texts[i]!]), ...(st.as !== undefined ? { as: st.as } : {}) };
  const violations = runViolations(j.result, ctx.wanted);
  if (ctx.wanted.has('clean-teardown') && live.length === 0) {
    const residue = teardownResidue(o.kernel, ctx.booted, touched);
    if (residue) violations.push({ invariant: 'clean-teardown', step: index, detail: residue });
  }
  const node: ExploreNode = { steps: [...n.steps, step], scenarioSteps, live, made, touched };
  if (keep && r.run && o.fatal === undefined) node.run = r.run;
  return { node, judged: j, violations, terminal: o.fatal !== undefined };
}

/** Explore one design breadth first. */
export function exploreDesign(vocab: Vocabulary, p: SelectedPolicy, opts: ExploreOptions): DesignExplore {
  const t0 = opts.timing ? ExploreTiming.now() : 0;
  const { ctx, root, fingerprint: bootPrint } = exploreContext(vocab, p, opts.invariants, opts.timing);
  const seen = new Set<string>([bootPrint]);
  const found = new Map<InvariantName, Counterexample>();
  const out: DesignExplore = { policy: p.name, states: 1, runs: 0, duplicates: 0, pruned: 0, perDepth: [1], depth: 0, cut: false, results: [] };
  let level: ExploreNode[] = [root];
  for (let d = 1; d <= opts.depth && level.length > 0 && !out.cut; d++) {
    const next: ExploreNode[] = [];
    let count = 0;
    let kept = 0;
    const keepRuns = d < opts.depth ? (opts.keepRuns ?? KEEP_RUNS) : 0;
    for (const n of level) {
      for (const s of successorsOf(ctx, n)) {
        if (out.states >= opts.maxStates) {
          out.cut = true;
          break;
        }
        out.runs++;
        const c = childOf(ctx, n, s, kept < keepRuns);
        if (!c) {
          out.pruned++;
          continue;
        }
        // The first violation met breadth first is a shortest one, and the first of its length in successor order.
        for (const v of c.violations) if (!found.has(v.invariant)) found.set(v.invariant, { invariant: v.invariant, step: v.step, detail: v.detail, steps: counterexampleSteps(c.node.steps, c.judged) });
        if (c.terminal) continue;
        const t1 = opts.timing ? ExploreTiming.now() : 0;
        const fp = fingerprint(c.judged.outcome.kernel, c.node.live, c.node.touched);
        opts.timing?.add('fingerprint', t1);
        if (seen.has(fp)) {
          out.duplicates++;
          continue;
        }
        seen.add(fp);
        out.states++;
        count++;
        if (c.node.run) kept++;
        next.push(c.node);
      }
      // Its successors are done: its run is not needed any more.
      delete n.run;
      if (out.cut) break;
    }
    out.perDepth.push(count);
    if (!out.cut) out.depth = d;
    level = next;
    if (opts.invariants.every((i) => found.has(i))) break;
  }
  // Nothing left to extend: every longer sequence is a repeat, so the bound is the depth asked for.
  if (!out.cut && level.length === 0) out.depth = opts.depth;
  opts.timing?.add('total', t0);
  out.results = opts.invariants.map((invariant) => {
    const cx = found.get(invariant);
    return cx ? { invariant, status: 'violated', counterexample: cx } : { invariant, status: 'holds' };
  });
  return out;
}

function counterexampleSteps(steps: ExploreStep[], j: JudgedRun): CounterexampleStep[] {
  return steps.map((s, i) => {
    const o = j.outcome.steps[i];
    const c: CounterexampleStep = { ...s, fields: {}, messages: [] };
    if (!o) return c;
    const ret = showRet(o.result);
    if (ret !== undefined) c.ret = ret;
    c.fields = { ...(o.result.fields ?? {}) };
    c.messages = o.messages.map((m) => m.text);
    if (j.outcome.fatal && j.outcome.fatal.step === o.index) c.fatal = true;
    return c;
  });
}
