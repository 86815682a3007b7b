/**
 * Running a parsed scenario on a booted kernel: bind handles, call each
 * kernel function by name, collect its result and messages, stop at a fatal
 * kernel outcome, and check every expectation.
 */

import { sameExpectedValue } from './expect-value.js';
import { cattrName } from '../hw/cache-mode.js';
import type { ArgSpec, CallResult, CallSpec, HandleValue, Args, OutValue } from '../calls/types.js';
import type { KernelContext } from '../kernel/context.js';
import { errnoName } from '../kernel/errno.js';
import { KernelFatal } from '../kernel/fatal.js';
import { ImpossibleRequestError } from '../kernel/impossible.js';
import { NotModelledError } from '../kernel/not-modelled.js';
import type { MachineSpec } from '../kernel/machine.js';
import type { KernelEvent } from '../kernel/events.js';
import type { KernelHooks } from '../kernel/hooks.js';
import { patMemtypeList } from '../kernel/pat/memtype-list.js';
import type { LogLevel } from '../kernel/printk.js';
import { InputError } from './input-error.js';
import { hex } from '../hw/hex.js';
import { argPosOf, stepsOf, type Pos, type RawArg, type Scenario, type ScenarioStep } from './scenario.js';
import { PAGE_SIZE } from '../hw/page.js';

/** What the executor needs from the kernel model beyond the call table. */
export interface KernelDriver<K extends KernelContext> {
  boot(machine: MachineSpec, hooks?: KernelHooks): K;
  calls: ReadonlyMap<string, CallSpec<K>>;
  /** `page_address()`: the kernel virtual address of a page, 0 if it has none (highmem). */
  pageAddress(k: K, pfn: number): number;
  /** Final-state views the kernel offers (DirectMap lines, counters). */
  directmapLines(k: K): string[];
  counters(k: K): Record<string, number>;
}

export interface StepOutcome {
  index: number;
  call: string;
  /** Arguments as resolved, for display. */
  args: Record<string, string>;
  result: CallResult;
  messages: { level: LogLevel; text: string }[];
  /** The first kernel check that refused something in this step (`fn: check → ret`), when one did. */
  reason?: string;
  /** A query that changes nothing (lookup_address, …): a NULL from it is an answer, not a failure. */
  pure?: true;
}

export interface ExpectFailure {
  pos: Pos;
  step?: number;
  what: string;
  expected: string;
  /** What the run gave instead: a text (a return value, messages, the final state) or a step's typed output, which io formats (io/render/out-value.ts). */
  actual: string | OutValue;
}

export interface FinalState {
  /** debugfs x86/pat_memtype_list lines, or null when the file does not exist. */
  patMemtypeList: string[] | null;
  /** RAM pages whose page-flag memtype is not WB, as runs. */
  pageMemtype: { start: number; end: number; type: string }[];
  directmap: string[];
  counters: Record<string, number>;
}

export interface RunOutcome<K> {
  scenario: Scenario;
  kernel: K;
  steps: StepOutcome[];
  fatal?: { step: number; what: string; text: string; where: string };
  final: FinalState;
  failures: ExpectFailure[];
  /** The run stopped before a step whose handle argument an earlier failed call left without a value (RunOptions.stopOnUnboundHandle); `producer`, the step that names it (`as:`). */
  stopped?: { step: number; call: string; handle: string; producer?: { index: number; call: string } };
  /** The handles named by `as:`, as they were at the end. */
  handles: Map<string, HandleValue>;
}


/** A step names a call the kernel version or design under test does not have. */
export class CallUnavailableError extends InputError {}

/** A step uses a handle whose step returned nothing (its call failed under this kernel or design). */
export class UnboundHandleError extends InputError {
  constructor(file: string, line: number, col: number, detail: string, readonly handle: string) {
    super(file, line, col, detail);
  }
}

/** How to run: the design's hook settings, and an observer called after every step (and once after boot, with step 0). */
export interface RunOptions<K> {
  hooks?: KernelHooks;
  /** Stop (RunOutcome.stopped) instead of failing when a step's handle has no value because its call failed. */
  stopOnUnboundHandle?: boolean;
  /** `pure`: the step's call only read state, so no mapping changed. */
  onStep?: (k: K, step: number, pure: boolean) => void;
  /**
   * Keep only the outcomes this says yes to in RunOutcome.steps (default:
   * every one): a judgement that reads only the failed calls need not hold
   * every step's outcome of a long trace.
   */
  keepOutcome?: (out: StepOutcome) => boolean;
  /** Called with each step's outcome and the step, as it completes (a fatal one included). */
  onOutcome?: (out: StepOutcome, st: ScenarioStep) => void;
  /** Stop after this step (0 = right after boot), leaving the kernel as it was then; the scenario's final `expect:` is not checked. */
  untilStep?: number;
  /** `current->comm` of a step that names none (default `patlab`; the trace form's is `replay`). */
  defaultComm?: string;
  /** `current->pid` of a step that names none (default 1; `patlab probe` gives the insmod process's). */
  defaultPid?: number;
  /**
   * Read the final state (`pat_memtype_list`, page flags, DirectMap) only when
   * `final` is first read, for callers that may not need it (compare's
   * judgement, which only its HTML views read it for). The caller must not
   * run the kernel on before reading it.
   */
  lazyFinal?: boolean;
  /** What the kernel log keeps of each finished step (KernelLog.retain; default: every event): a run that reads no finished step's events keeps fewer. */
  retain?: (e: KernelEvent) => boolean;
}

/** Boot the scenario's machine and run every step (`opts.untilStep`: up to that step). */
export function runScenario<K extends KernelContext>(sc: Scenario, driver: KernelDriver<K>, opts: RunOptions<K> = {}): RunOutcome<K> {
  const run = startRun(sc, driver, opts);
  for (const st of stepsOf(sc)) {
    if (opts.untilStep !== undefined && st.index > opts.untilStep) break;
    if (!run.step(st)) break;
  }
  return run.finish();
}

/** Boot the scenario's machine, tell the observer (step 0), and stand ready for the first step. */
function startRun<K extends KernelContext>(sc: Scenario, driver: KernelDriver<K>, opts: RunOptions<K>): ScenarioRun<K> {
  const k = driver.boot(sc.machine, opts.hooks);
  if (opts.retain) k.log.retain = opts.retain;
  opts.onStep?.(k, 0, false);
  return new ScenarioRun(sc, driver, opts, k);
}

/**
 * `runScenario`, waiting for `pause` after every `every` steps: a caller that writes each step's
 * output as the run makes it (`onOutcome`) lets that output drain, so a trace of any length runs
 * in bounded memory (`patlab run` of a call trace).
 */
export async function runScenarioPaced<K extends KernelContext>(sc: Scenario, driver: KernelDriver<K>, opts: RunOptions<K>, every: number, pause: () => Promise<void>): Promise<RunOutcome<K>> {
  const run = startRun(sc, driver, opts);
  let n = 0;
  for (const st of stepsOf(sc)) {
    if (opts.untilStep !== undefined && st.index > opts.untilStep) break;
    if (!run.step(st)) break;
    if (++n % every === 0) await pause();
  }
  return run.finish();
}

/**
 * A scenario part way through its run: the kernel, the handles bound so
 * far and the outcomes of the steps run. `runScenario` drives one from boot;
 * `patlab explore` resumes one from a copy of an explored state's kernel
 * and handles, one call further (src/run/explore/explore.ts), so a state's
 * kernel is the one a run from boot of its whole sequence gives.
 */
export class ScenarioRun<K extends KernelContext> {
  readonly failures: ExpectFailure[] = [];
  fatal: RunOutcome<K>['fatal'];
  stopped: RunOutcome<K>['stopped'];

  constructor(
    readonly sc: Scenario,
    readonly driver: KernelDriver<K>,
    readonly opts: RunOptions<K>,
    readonly k: K,
    readonly handles = new Map<string, HandleValue>(),
    readonly steps: StepOutcome[] = [],
  ) {
    this.producers = sc.source ? new Map() : undefined;
  }

  /** The first step naming each handle, for a scenario whose steps are not held (the message of a stop names it). */
  private readonly producers: Map<string, { index: number; call: string }> | undefined;

  private keep(out: StepOutcome, st: ScenarioStep): void {
    this.opts.onOutcome?.(out, st);
    if (this.opts.keepOutcome === undefined || this.opts.keepOutcome(out)) this.steps.push(out);
  }

  /** Run step `st`; false when the run cannot go on after it (a fatal kernel outcome, or a stop for an unbound handle). */
  step(st: ScenarioStep): boolean {
    const { sc, driver, opts, k, handles, failures } = this;
    const spec = driver.calls.get(st.call)!;
    const why = spec.available?.(k);
    if (why) throw new CallUnavailableError(sc.file, st.pos.line, st.pos.col, `'${st.call}' is not available: ${why}`);
    let resolved: ReturnType<typeof resolveArgs>;
    try {
      resolved = resolveArgs(sc, st, spec, handles, driver, k);
    } catch (e) {
      // Under a design that made an earlier call fail, the scenario cannot go on: a result, not bad input.
      if (!(e instanceof UnboundHandleError) || !opts.stopOnUnboundHandle) throw e;
      const producer = this.producers?.get(e.handle) ?? sc.steps.find((s) => s.as === e.handle);
      this.stopped = { step: st.index, call: st.call, handle: e.handle, ...(producer ? { producer: { index: producer.index, call: producer.call } } : {}) };
      return false;
    }
    if (this.producers && st.as !== undefined && !this.producers.has(st.as)) this.producers.set(st.as, { index: st.index, call: st.call });
    const { args, pages } = resolved;
    k.log.step = st.index;
    k.current = { comm: st.comm ?? opts.defaultComm ?? 'patlab', pid: st.pid ?? opts.defaultPid ?? 1, ...(st.caller !== undefined ? { caller: st.caller } : {}) };
    let result: CallResult;
    try {
      result = spec.run(k, args);
    } catch (e) {
      // The kernel layer has no positions: the step gives them.
      if (e instanceof ImpossibleRequestError) throw new InputError(sc.file, st.pos.line, st.pos.col, `step ${st.index} (${st.call}): ${e.what}`);
      if (e instanceof NotModelledError && e.where === undefined) throw new NotModelledError(e.what, { file: sc.file, line: st.pos.line, col: st.pos.col });
      if (!(e instanceof KernelFatal)) throw e;
      this.fatal = { step: st.index, what: e.what, text: e.text, where: e.where };
      opts.onStep?.(k, st.index, false);
      this.keep(new RunStep(st, spec, pages, {}, stepMessages(k, st.index)), st);
      if (st.expect && st.expect.fatal !== true)
        failures.push({ pos: st.expect.pos, step: st.index, what: 'outcome', expected: 'the step completes', actual: `${e.what} in ${e.where}` });
      return false;
    }
    if (st.as && result.handle) handles.set(st.as, result.handle);
    opts.onStep?.(k, st.index, spec.pure === true);
    const out: StepOutcome = new RunStep(st, spec, pages, result, stepMessages(k, st.index));
    const reason = k.log.refusalOf(st.index);
    if (reason !== undefined) out.reason = reason;
    if (spec.pure === true) out.pure = true;
    this.keep(out, st);
    if (st.expect) checkStep(st, out, failures);
    return true;
  }

  /** The run's outcome once no step is left to run: unreached expectations, the final state and its expectations. */
  finish(): RunOutcome<K> {
    const { sc, driver, opts, k, handles, steps, failures, fatal, stopped } = this;
    // An expectation on a step the run never reached is not met: saying nothing would report it as met.
    if (opts.untilStep === undefined && (fatal || stopped)) {
      const last = fatal ? fatal.step : stopped!.step - 1;
      const why = fatal ? `the run ended at step ${fatal.step} (a fatal kernel outcome)` : `the run stopped at step ${stopped!.step} ('${stopped!.handle}' has no value)`;
      for (const st of sc.steps)
        if (st.index > last && st.expect) failures.push({ pos: st.expect.pos, step: st.index, what: 'outcome', expected: 'the step runs', actual: `not reached: ${why}` });
    }
    const checked = sc.expect && opts.untilStep === undefined;
    let final: FinalState | null = opts.lazyFinal && !checked ? null : finalState(k, driver);
    if (checked) checkFinal(sc, k, final!, failures);
    const outcome = { scenario: sc, kernel: k, steps, failures, handles } as Omit<RunOutcome<K>, 'final'> as RunOutcome<K>;
    Object.defineProperty(outcome, 'final', { enumerable: true, get: () => (final ??= finalState(k, driver)) });
    if (fatal) outcome.fatal = fatal;
    if (stopped) outcome.stopped = stopped;
    return outcome;
  }
}

/** The one (frozen) message list of every step that printed nothing: most steps of a long trace (70 480 empty arrays, 2.3 MB, on the 10^5-call replay). */
const NO_MESSAGES: StepOutcome['messages'] = Object.freeze([]) as unknown as StepOutcome['messages'];

function stepMessages(k: KernelContext, step: number): StepOutcome['messages'] {
  const m = k.log.messages(step);
  return m.length ? m : NO_MESSAGES;
}

/** Bind a step's arguments to values (handles resolved); exported for the trace form (src/io/trace/call-trace.ts). */
export function resolveArgs<K extends KernelContext>(
  sc: Scenario,
  st: ScenarioStep,
  spec: CallSpec<K>,
  handles: Map<string, HandleValue>,
  driver: KernelDriver<K>,
  k: K,
): { args: Args; pages: Record<string, number> | undefined } {
  const args: Args = {};
  let pages: Record<string, number> | undefined;
  for (const a of spec.args) {
    const raw = st.args[a.name];
    if (!raw) continue;
    const fail = (msg: string): never => {
      const pos = argPosOf(st, a.name);
      throw new InputError(sc.file, pos.line, pos.col, msg);
    };
    if (raw.t === 'ref' && !handles.has(raw.name)) {
      const pos = argPosOf(st, a.name);
      throw new UnboundHandleError(sc.file, pos.line, pos.col, `handle '${raw.name}' has no value: the step that names it did not return one`, raw.name);
    }
    const v = resolveOne(raw, a.kind, handles, fail, (pfn) => driver.pageAddress(k, pfn));
    args[a.name] = v;
    if (raw.t === 'ref' && a.kind === 'pages' && Array.isArray(v)) (pages ??= {})[a.name] = v.length;
  }
  return { args, pages };
}

/**
 * A step's outcome whose argument echo (`args`) is made when read, from the
 * step as written and the page counts of its page handles then: a long
 * trace's run keeps every step's outcome, and compare's judgement never
 * reads the echoes (a record and a hex string per argument per step, ~7 MB
 * of the 10^5-call replay's 43 MB).
 */
class RunStep implements StepOutcome {
  readonly index: number;
  readonly call: string;
  declare reason?: string;
  declare pure?: true;

  constructor(
    private readonly st: ScenarioStep,
    private readonly spec: CallSpec<never>,
    /** The number of pages of each argument that named a pages handle. */
    private readonly pages: Record<string, number> | undefined,
    readonly result: CallResult,
    readonly messages: StepOutcome['messages'],
  ) {
    this.index = st.index;
    this.call = st.call;
  }

  get args(): Record<string, string> {
    const shown: Record<string, string> = {};
    for (const a of this.spec.args) {
      const raw = this.st.args[a.name];
      if (raw) shown[a.name] = showArg(raw, this.pages?.[a.name], a);
    }
    return shown;
  }
}

function resolveOne(
  raw: RawArg,
  kind: string,
  handles: Map<string, HandleValue>,
  fail: (msg: string) => never,
  pageAddress: (pfn: number) => number,
): Args[string] {
  switch (raw.t) {
    case 'num':
    case 'mode':
    case 'bool':
      return raw.v;
    case 'list':
      return raw.v;
    case 'gfp':
      return raw.v;
    case 'ref': {
      const h = handles.get(raw.name);
      if (!h) return fail(`handle '${raw.name}' has no value: the step that names it did not return one`);
      const page = (): number => {
        if (h.kind !== 'pages') return fail(`'${raw.name}' is a ${h.kind}, not pages: expected ${raw.name} to come from a page allocation`);
        const i = raw.index ?? 0;
        if (i >= h.pfns.length) return fail(`index ${i} is out of range: '${raw.name}' holds ${h.pfns.length} page(s)`);
        return h.pfns[i]!;
      };
      const off = raw.offset ?? 0;
      switch (kind) {
        case 'pages':
          if (h.kind !== 'pages') return fail(`'${raw.name}' is a ${h.kind}: expected a pages handle`);
          return h.pfns;
        case 'bo':
          if (h.kind !== 'bo') return fail(`'${raw.name}' is ${h.kind === 'pages' ? 'pages' : `a ${h.kind}`}: expected a buffer-object handle`);
          return h.id;
        case 'iomap':
          if (h.kind !== 'mapping') return fail(`'${raw.name}' is ${h.kind === 'pages' ? 'pages' : `a ${h.kind}`}: expected a mapping handle`);
          return [h.phys ?? 0, h.size, h.vaddr];
        case 'page':
        case 'pfn':
          if (h.kind === 'range' && raw.index === undefined) return h.start / PAGE_SIZE;
          return page();
        case 'phys':
          if (h.kind === 'range') return h.start + off;
          if (h.kind === 'mapping') {
            if (h.phys === undefined) return fail(`'${raw.name}' maps no single physical range: expected a physical address`);
            return h.phys + off;
          }
          return page() * PAGE_SIZE + off;
        case 'vaddr':
          if (h.kind === 'mapping') {
            if (off >= h.size) return fail(`offset ${hex(off)} is beyond '${raw.name}' (${hex(h.size)} bytes)`);
            return h.vaddr + off;
          }
          if (h.kind === 'pages') return pageAddress(page()) + off;
          return fail(`'${raw.name}' is a physical range: expected a mapping or a page`);
        default:
          return fail(`a handle cannot be used here`);
      }
    }
  }
}

/** An argument as the run echoes it: a handle by name (`pages`: the pages it held), a mode by its name, a set of flags by the flags' names (`VM_PFNMAP|VM_IO`), a number in hex. */
function showArg(raw: RawArg, pages: number | undefined, spec: ArgSpec): string {
  const kind = spec.kind;
  if (raw.t === 'ref') {
    const base = raw.name + (raw.index !== undefined ? `[${raw.index}]` : '') + (raw.offset ? `+${hex(raw.offset)}` : '');
    return pages !== undefined ? `${base} (${pages} pages)` : base;
  }
  if (raw.t === 'mode') return cattrName(raw.v);
  if (raw.t === 'gfp') return raw.v;
  if (raw.t === 'list') return `[${raw.v.map(hex).join(', ')}]`;
  if (raw.t === 'num' && kind === 'flags' && spec.flags) return flagNames(raw.v, spec.flags);
  if (raw.t === 'num') return kind === 'count' ? String(raw.v) : hex(raw.v);
  return String(raw.v);
}

/** The names of the flags set in `v`, in the order the call declares them, then any bits no name covers in hex; `0` for none. */
function flagNames(v: number, names: Readonly<Record<string, number>>): string {
  if (v === 0) return '0';
  const out: string[] = [];
  let rest = v;
  for (const [name, bit] of Object.entries(names))
    if (bit !== 0 && (v & bit) === bit) {
      out.push(name);
      rest &= ~bit;
    }
  if (rest !== 0) out.push(hex(rest));
  return out.join('|');
}

/** How a result's return value reads: `0`, `-EBUSY`, `NULL`, `ok`. */
export function showRet(r: CallResult): string | undefined {
  if (r.isNull) return 'NULL';
  if (r.ret === undefined) return r.handle ? 'ok' : undefined;
  return r.ret === 0 ? '0' : `-${errnoName(r.ret)}`;
}

function checkStep(st: ScenarioStep, out: StepOutcome, failures: ExpectFailure[]): void {
  const ex = st.expect!;
  const fail = (what: string, expected: string, actual: string | OutValue): void => {
    failures.push({ pos: ex.pos, step: st.index, what, expected, actual });
  };
  if (ex.fatal === true) fail('outcome', 'a fatal kernel outcome', 'the step completed');
  const r = out.result;
  if (ex.ret !== undefined) {
    // A fault handler's insert returns a vm_fault_t, not an errno: point at the output that holds it.
    const actual = showRet(r) ?? (r.fields?.['fault'] !== undefined ? `(no return value: ${out.call} returns a vm_fault_t; expect fault: instead)` : '(no return value)');
    if (ex.ret === 'ok') {
      if (r.isNull || (r.ret !== undefined && r.ret !== 0)) fail('ret', 'ok', actual);
    } else if (ex.ret === 'null') {
      if (!r.isNull) fail('ret', 'NULL', actual);
    } else if (r.ret !== ex.ret) fail('ret', ex.ret === 0 ? '0' : `-${errnoName(ex.ret)}`, actual);
  }
  for (const [key, want] of Object.entries(ex.fields ?? {})) {
    const got = r.fields?.[key];
    if (got === undefined) fail(key, String(want), `(${out.call} has no output '${key}'${r.fields ? `; it has ${Object.keys(r.fields).join(', ') || 'none'}` : ''})`);
    else if (!sameExpectedValue(want, got)) fail(key, String(want), got);
  }
  if (ex.messages) {
    const got = out.messages.map((m) => m.text);
    if (got.join('\n') !== ex.messages.join('\n')) fail('messages', ex.messages.join(' | ') || '(none)', got.join(' | ') || '(none)');
  }
}

function finalState<K extends KernelContext>(k: K, driver: KernelDriver<K>): FinalState {
  const list = patMemtypeList(k.memtype);
  return {
    patMemtypeList: list,
    pageMemtype: k.memtype.pages.nonWbRuns().map((r) => ({ start: r.start, end: r.end, type: cattrName(r.type) })),
    directmap: driver.directmapLines(k),
    counters: driver.counters(k),
  };
}

function checkFinal<K extends KernelContext>(sc: Scenario, k: K, f: FinalState, failures: ExpectFailure[]): void {
  const fe = sc.expect!;
  const at = (key: string): Pos => fe.fieldPos[key] ?? fe.pos;
  const cmp = (key: string, want: string[], got: string[]): void => {
    if (want.join('\n') !== got.join('\n'))
      failures.push({ pos: at(key), what: key, expected: want.join('\n') || '(empty)', actual: got.join('\n') || '(empty)' });
  };
  if (fe.patMemtypeList) cmp('pat_memtype_list', fe.patMemtypeList, (f.patMemtypeList ?? []).slice(1));
  if (fe.directmap) cmp('directmap', fe.directmap, f.directmap);
  if (fe.messages) cmp('messages', fe.messages, k.log.messages().map((m) => m.text));
  for (const [name, want] of Object.entries(fe.counters ?? {})) {
    const got = f.counters[name];
    if (got !== want)
      failures.push({ pos: at('counters'), what: `counter ${name}`, expected: String(want), actual: got === undefined ? `(no counter '${name}')` : String(got) });
  }
}
