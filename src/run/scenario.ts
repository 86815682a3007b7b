/**
 * A parsed scenario: a machine and a list of kernel calls, each with its
 * arguments still unresolved (handles are bound when earlier steps run), the
 * positions of everything for error messages, and the expectations that make
 * a scenario a test.
 */

import type { CacheMode } from '../hw/cache-mode.js';
import type { MachineSpec } from '../kernel/machine.js';

export interface Pos {
  line: number;
  col: number;
}

/** An argument as written: a number, a mode, a flag, a list of pfns, a GFP name, or a reference to a handle. */
export type RawArg =
  | { t: 'num'; v: number }
  | { t: 'mode'; v: CacheMode }
  | { t: 'bool'; v: boolean }
  | { t: 'list'; v: number[] }
  | { t: 'gfp'; v: string }
  /** `name`, `name[i]` (one page of a pages handle), `name+0x1000` (a mapping plus an offset). */
  | { t: 'ref'; name: string; index?: number; offset?: number };

export interface StepExpect {
  /** `ok` (0 or a non-NULL pointer), `null`, or an errno value (negative number). */
  ret?: number | 'ok' | 'null';
  fields?: Record<string, string | number | boolean>;
  /** The step's kernel messages, exactly and in order. */
  messages?: string[];
  /** The step ends the run with a fatal kernel outcome. */
  fatal?: boolean;
  pos: Pos;
}

export interface ScenarioStep {
  /** 1-based position in the list. */
  index: number;
  call: string;
  args: Record<string, RawArg>;
  /**
   * Where each argument's value is written: a position, or a number, the
   * column on the step's own line (the trace form: one record of columns
   * shared by every line laid out alike, instead of a position object per
   * argument per step). Read it with {@link argPosOf}.
   */
  argPos: Record<string, Pos | number>;
  as?: string;
  /** `current->comm` for the step's messages (default `patlab`). */
  comm?: string;
  /** `%pS` of the calling function, for messages that print it (`caller:`). */
  caller?: string;
  pid?: number;
  expect?: StepExpect;
  pos: Pos;
}

/** Where step `st`'s argument `name` is written. */
export function argPosOf(st: ScenarioStep, name: string): Pos {
  const p = st.argPos[name]!;
  return typeof p === 'number' ? { line: st.pos.line, col: p } : p;
}

export interface FinalExpect {
  /** Lines of debugfs x86/pat_memtype_list (without the header). */
  patMemtypeList?: string[];
  /** /proc/meminfo DirectMap lines. */
  directmap?: string[];
  /** Exact cumulative counter values to check. */
  counters?: Record<string, number>;
  /** Every kernel message of the run, exactly and in order. */
  messages?: string[];
  pos: Pos;
  fieldPos: Record<string, Pos>;
}

/**
 * Steps read again from where they are written on each run, instead of held
 * in a scenario's `steps` (which is then empty): a call trace too long to
 * hold (src/io/trace/call-trace-file.ts). Such steps carry no `expect:`.
 */
export interface StepSource {
  /** Its steps, from the first, read again. */
  steps(): Iterable<ScenarioStep>;
  /** Plain data the source is opened again from in another thread (a worker of `patlab compare`). */
  readonly origin: StepOrigin;
}

/** Where a {@link StepSource} reads its steps: a call-trace file (read again; its machine is the scenario's). */
export interface StepOrigin {
  kind: 'call-trace-file';
  path: string;
}

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  machine: MachineSpec;
  /** The steps, unless `source` reads them (then empty). */
  steps: ScenarioStep[];
  source?: StepSource;
  expect?: FinalExpect;
  /** Handles whose mappings `patlab compare` shows (requested, installed, effective mode). */
  report?: { name: string; pos: Pos }[];
  /**
   * What the comparison's summary reads from this scenario: `request`, the
   * reported mapping whose mode answers "does the design install what the
   * driver asked for"; `scale`, the scenario whose costs the cost columns show.
   */
  roles?: { request?: string; scale?: true };
}

/** A scenario's steps in order: held, or read again from its source. */
export function stepsOf(sc: Scenario): Iterable<ScenarioStep> {
  return sc.source ? sc.source.steps() : sc.steps;
}
