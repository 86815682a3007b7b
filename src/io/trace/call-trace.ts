/**
 * The one-line-per-call trace form: memtype-trace v1
 * (../shared/golden/memtype/FORMAT.md) extended with the scenario calls.
 *
 * A file without the new header keywords is pure v1 and is replayed by
 * `replayMemtypeTrace` unchanged, byte for byte. The new keywords:
 *
 *   machine <preset>      boot a full kernel from a built-in machine preset, or
 *   machine <file.yaml>   from a machine file (a path relative to the trace)
 *   kernel <version>      the kernel version preset (mainline, 6.12, 6.6, 6.1);
 *                         without `machine` it only selects the version of a
 *                         v1 replay (as `--kernel` does)
 *
 * With `machine`, every other line is a kernel call named as in the YAML
 * scenarios, with the same argument syntax as `key=value` tokens:
 *
 *   ioremap_wc phys=0xfd000000 size=16M as=fb comm=Xorg
 *   set_pages_array_wc pages=[0x1000,0x1001]
 *   lookup_address addr=fb+0x1000
 *
 * Each call prints its kernel messages as `log: ` lines, then one result line
 * `<call>: <ret> key=value...` (`<ret>` is 0, -EBUSY, NULL, ok, or void for
 * a call that returns nothing; a value with spaces is double-quoted). `dump`
 * prints the memtype list as in v1. A fatal kernel outcome prints
 * `<call>: fatal <what> in <where>: <text>` and ends the replay. Boot messages
 * are not printed (FORMAT §5); the default task is `replay:1`.
 */

import type { ArgKind, CallSpec } from '../../calls/types.js';
import type { Kernel } from '../../kernel/kernel.js';
import { patMemtypeList } from '../../kernel/pat/memtype-list.js';
import { isKernelVersionName, KERNEL_PRESETS, type KernelVersionName } from '../../kernel/version.js';
import { didYouMean } from '../did-you-mean.js';
import { InputError } from '../../run/input-error.js';
import { loadMachine } from '../machine/load-machine.js';
import { PRESET_YAML, presetNames } from '../machine/presets.js';
import { parseNumberish } from '../yaml/source.js';
import { KERNEL_DRIVER } from '../../run/driver.js';
import { runScenario, showRet } from '../../run/execute.js';
import { parseArgValue } from '../scenario/parse.js';
import { fieldsText } from '../render/out-value.js';
import type { RawArg, Scenario, ScenarioStep } from '../../run/scenario.js';
import type { MachineSpec } from '../../kernel/machine.js';
import { tokenize, type Token } from './lexer.js';
import { replayMemtypeTrace, type ReplayOptions } from './memtype-trace.js';

const NEW_HEADER = ['machine', 'kernel'];
const V1_HEADER = ['pat', 'ram', 'mtrr', 'debugpat'];
/** v1 operations and the kernel call that replaces each in a full-kernel trace. */
const V1_OPS: Record<string, string | null> = {
  reserve: 'memtype_reserve',
  'reserve-strict': 'memtype_reserve (new_type=false)',
  free: 'memtype_free',
  lookup: 'lookup_memtype',
  'insert-pfn': 'pfnmap_setup_cachemode',
  track: 'pfnmap_track',
  untrack: 'pfnmap_untrack',
  'mtrr-lookup': null,
  'mtrr-map': null,
};
const LINE_KEYS = ['as', 'comm', 'pid'];

export type TraceLine = { kw: Token; line: number; toks: Token[] };

/**
 * The tokens of each non-empty line, with its line number, one line at a
 * time: a 10^5-call trace's token lists all held at once came to ~50 MB
 * beside the scenario they are parsed into.
 */
function* keywords(text: string): Generator<TraceLine> {
  for (let start = 0, i = 1; start <= text.length; i++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const l = traceLine(text.slice(start, end), i);
    if (l) yield l;
    start = end + 1;
  }
}

/** Line `lineNo`'s tokens, or null for a line of only spaces and a comment. */
export function traceLine(text: string, lineNo: number): TraceLine | null {
  const toks = tokenize(text);
  return toks.length > 0 ? { kw: toks[0]!, line: lineNo, toks } : null;
}

/** Whether a trace is in the full-kernel form (it has a `machine` line). */
export function isFullCallTrace(text: string): boolean {
  return /^[ \t\r]*machine([ \t\r#]|$)/m.test(text);
}

interface TraceHeader {
  /** The lines again, read from the text (not kept). */
  lines: () => Iterable<TraceLine>;
  hasMachine: boolean;
  kernelLines: TraceLine[];
  version: KernelVersionName | undefined;
  fail: (line: number, col: number, msg: string) => never;
}

/** A fail function that throws the positioned InputError of `file`. */
function failIn(file: string): (line: number, col: number, msg: string) => never {
  return (line, col, msg) => {
    throw new InputError(file, line, col, msg);
  };
}

/**
 * The header rules, a line at a time: `machine` and `kernel` come before the
 * first other line, each at most once; `version()` checks the `kernel` line.
 */
class HeaderRules {
  hasMachine = false;
  readonly kernelLines: TraceLine[] = [];
  private seenOther = false;
  private readonly seen = new Map<string, number>();

  constructor(private readonly fail: (line: number, col: number, msg: string) => never) {}

  see(l: TraceLine): void {
    if (l.kw.text === 'machine') this.hasMachine = true;
    else if (l.kw.text === 'kernel') this.kernelLines.push(l);
    if (!NEW_HEADER.includes(l.kw.text)) {
      this.seenOther = true;
      return;
    }
    if (this.seenOther) this.fail(l.line, l.kw.col, `header line '${l.kw.text}' after the first operation: expected 'machine' and 'kernel' before any other line`);
    if (this.seen.has(l.kw.text)) this.fail(l.line, l.kw.col, `second '${l.kw.text}' line (the first is line ${this.seen.get(l.kw.text)}): expected one`);
    this.seen.set(l.kw.text, l.line);
  }

  /** The version the `kernel` line names (undefined: none), once every line was seen. */
  version(): KernelVersionName | undefined {
    let version: KernelVersionName | undefined;
    for (const l of this.kernelLines) {
      const v = l.toks[1];
      if (!v) this.fail(l.line, l.kw.col + l.kw.text.length, "missing <version>: expected 'kernel <version>'");
      if (!isKernelVersionName(v!.text))
        this.fail(l.line, v!.col, `unknown kernel version '${v!.text}'${didYouMean(v!.text, Object.keys(KERNEL_PRESETS))}: expected one of ${Object.keys(KERNEL_PRESETS).join(', ')}`);
      if (l.toks[2]) this.fail(l.line, l.toks[2].col, `unexpected '${l.toks[2].text}': expected end of line after 'kernel <version>'`);
      version = v!.text as KernelVersionName;
    }
    return version;
  }
}

/** The header lines (`machine`, `kernel`) checked: before any other line, each at most once. */
function traceHeader(text: string, file: string): TraceHeader {
  const fail = failIn(file);
  const rules = new HeaderRules(fail);
  for (const l of keywords(text)) rules.see(l);
  return { lines: () => keywords(text), hasMachine: rules.hasMachine, kernelLines: rules.kernelLines, version: rules.version(), fail };
}

/** Replay a trace: pure v1 (or v1 + `kernel`) through the v1 replayer, otherwise on a full kernel. */
export function replayCallTrace(text: string, opts: ReplayOptions): string {
  // A plain v1 file (most, and every large performance trace) goes straight to the v1
  // replayer: only the extension's header keywords need the per-line token lists below.
  if (!/^[ \t\r]*(machine|kernel)([ \t\r#]|$)/m.test(text)) return replayMemtypeTrace(text, opts);
  const h = traceHeader(text, opts.file);
  if (!h.hasMachine && h.kernelLines.length === 0) return replayMemtypeTrace(text, opts);
  if (!h.hasMachine) {
    // v1 with a kernel version: blank the `kernel` line (keeping line numbers) and replay as v1.
    const src = text.split('\n');
    for (const l of h.kernelLines) src[l.line - 1] = '';
    return replayMemtypeTrace(src.join('\n'), { ...opts, kernel: h.version! });
  }
  return replayFull(h.lines(), opts);
}

/** A full-kernel trace as a scenario, for `patlab run` and `compare` (its `dump` and `mark` lines are replay's only). */
export function loadCallTrace(text: string, file: string, readFile?: MachineFileReader): Scenario {
  const steps: ScenarioStep[] = [];
  const r = new FullTraceReader(file, { readFile, onStep: (st) => steps.push(st) });
  for (const l of keywords(text)) r.line(l);
  return { file, name: file, machine: r.end().machine!, steps };
}

/**
 * A trace with `machine`: its lines parsed into a scenario and run by the
 * scenario runner (run/execute.ts), the same one YAML scenarios use, so both
 * forms position the same errors and reach the same outcomes; `dump` and
 * `mark` lines act between steps.
 */
type BetweenAction = { t: 'dump' } | { t: 'mark'; label: string };
type Between = Map<number, BetweenAction[]>;

function replayFull(lines: Iterable<TraceLine>, opts: ReplayOptions): string {
  const steps: ScenarioStep[] = [];
  /** What to do after step N (0: after boot): dump lines and marks, in file order. */
  const between: Between = new Map();
  const r = new FullTraceReader(opts.file, {
    readFile: opts.readFile,
    onStep: (st) => steps.push(st),
    onBetween: (n, a) => {
      let l = between.get(n);
      if (!l) between.set(n, (l = []));
      l.push(a);
    },
  });
  for (const l of lines) r.line(l);
  return runFull({ file: opts.file, name: opts.file, machine: r.end().machine!, steps }, between, opts);
}

/** Reads a machine file a `machine` line names (the command line's reader; the page has none). */
export type MachineFileReader = (path: string, from: string) => { text: string; name: string };

/** Where a {@link FullTraceReader} passes what it reads. */
export interface TraceSink {
  readFile?: MachineFileReader | undefined;
  /** Each call line, as a scenario step (numbered from 1). */
  onStep: (st: ScenarioStep) => void;
  /** A `dump` or `mark` line, after step `n` (0: before the first). */
  onBetween?: (n: number, a: BetweenAction) => void;
  /** Read the `machine` line's preset or file (default true; a second reading of a trace already has its machine). */
  machine?: boolean;
}

/**
 * The lines of a full-kernel trace, one at a time: the one parser of the
 * form, for a text held whole and for a file read again on every run
 * (call-trace-file.ts). Nothing but handle names and the values steps share
 * is kept between lines. Errors come as if the header were checked over the
 * whole file first: a header error at once, whatever came before; a call
 * line's error (the first) only at {@link end}, after the `kernel` line's
 * and the missing `machine` line's.
 */
export class FullTraceReader {
  private readonly rules: HeaderRules;
  private readonly fail: (line: number, col: number, msg: string) => never;
  private parseError: { error: unknown } | null = null;
  private machine: MachineSpec | undefined;
  private steps = 0;
  /** Handle kinds known while parsing (a name exists from its `as=` on). */
  private readonly named = new Map<string, { kind: string }>();
  private readonly shared: Shared = { layouts: new Map(), args: new Map(), names: new Map() };

  constructor(
    private readonly file: string,
    private readonly sink: TraceSink,
  ) {
    this.fail = failIn(file);
    this.rules = new HeaderRules(this.fail);
  }

  line(l: TraceLine): void {
    this.rules.see(l);
    if (this.parseError) return;
    try {
      this.parse(l);
    } catch (e) {
      this.parseError = { error: e };
    }
  }

  /** Once every line was read: the machine (unless the sink said not to read it) and the number of steps; or the first error. */
  end(): { machine: MachineSpec | undefined; steps: number } {
    const version = this.rules.version();
    if (!this.rules.hasMachine) throw new InputError(this.file, 1, 1, "expected a 'machine' line: a trace without one is a memtype trace, for 'patlab replay'");
    if (this.parseError) throw this.parseError.error;
    const m = this.machine;
    return { machine: m && version ? { ...m, kernel: version } : m, steps: this.steps };
  }

  private parse({ kw, line, toks }: TraceLine): void {
    const { fail, sink } = this;
    const name = kw.text;
    if (name === 'machine') {
      const p = toks[1];
      if (!p) fail(line, kw.col + name.length, "missing <preset>: expected 'machine <preset>' (see 'patlab machines')");
      if (toks[2]) fail(line, toks[2].col, `unexpected '${toks[2].text}': expected end of line after 'machine <preset>'`);
      if (sink.machine === false) return;
      if (/[/\\]|\.ya?ml$/.test(p!.text)) {
        // A machine file (patlab import writes one beside the trace), relative to the trace.
        if (!sink.readFile) return fail(line, p!.col, `machine file ${p!.text}: machine files are read only by the command line, not here: expected a preset`);
        let mt: { text: string; name: string };
        try {
          mt = sink.readFile(p!.text, this.file);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          return fail(line, p!.col, `machine file ${p!.text}: ${e.message.replace(/^.*?:\d+:\d+: /, '')}`);
        }
        this.machine = loadMachine(mt.text, mt.name);
      } else {
        const yaml = PRESET_YAML[p!.text];
        if (yaml === undefined) fail(line, p!.col, `unknown preset '${p!.text}'${didYouMean(p!.text, presetNames())}: expected one of ${presetNames().join(', ')}, or a machine file's path`);
        this.machine = loadMachine(yaml!, `<preset ${p!.text}>`);
      }
      return;
    }
    if (name === 'kernel') return;
    if (V1_HEADER.includes(name)) fail(line, kw.col, `v1 header line '${name}' in a trace with 'machine': the machine comes from the preset`);
    if (name === 'dump' || name === 'mark') {
      if (toks[1]) {
        if (name === 'dump') fail(line, toks[1].col, `unexpected '${toks[1].text}': expected end of line after 'dump'`);
      } else if (name === 'mark') fail(line, kw.col + 4, "missing <label>: expected 'mark <label>'");
      sink.onBetween?.(this.steps, name === 'mark' ? { t: 'mark', label: toks[1]!.text } : { t: 'dump' });
      return;
    }
    if (name in V1_OPS) {
      const instead = V1_OPS[name];
      fail(line, kw.col, `v1 operation '${name}' in a trace with 'machine': expected ${instead ? `the kernel call '${instead}'` : 'a kernel call (this operation exists in pure v1 traces only)'}`);
    }
    const spec = KERNEL_DRIVER.calls.get(name) as CallSpec<Kernel> | undefined;
    if (!spec)
      fail(line, kw.col, `unknown keyword '${name}'${didYouMean(name, [...KERNEL_DRIVER.calls.keys(), 'dump', 'mark'])}: expected a kernel call (see 'patlab calls'), 'dump' or 'mark'`);
    sink.onStep(parseCallLine(spec!, toks, line, ++this.steps, this.named, this.shared, fail));
  }
}

function runFull(sc: Scenario, between: Between, opts: ReplayOptions): string {
  const dumps = new Map<number, string[]>();
  const o = runScenario(sc, KERNEL_DRIVER, {
    defaultComm: 'replay',
    onStep: (k, step) => {
      const out: string[] = [];
      for (const a of between.get(step) ?? []) {
        if (a.t === 'mark') opts.onMark?.(a.label);
        else {
          const list = patMemtypeList(k.memtype);
          if (list === null) out.push('err ENOENT');
          else for (const l of list) out.push('dump: ' + l);
        }
      }
      dumps.set(step, out);
    },
  });
  const out: string[] = [...(dumps.get(0) ?? [])];
  for (const st of o.steps) {
    for (const m of st.messages) out.push('log: ' + m.text);
    if (o.fatal && o.fatal.step === st.index) {
      out.push(`${st.call}: fatal ${o.fatal.what} in ${o.fatal.where}: ${o.fatal.text}`);
      break;
    }
    const fields = Object.entries(fieldsText(st.result.fields)).map(([key, v]) => ` ${key}=${/\s/.test(String(v)) ? `"${String(v)}"` : String(v)}`);
    out.push(`${st.call}: ${showRet(st.result) ?? 'void'}${fields.join('')}`);
    out.push(...(dumps.get(st.index) ?? []));
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** The value of a `key=value` token as YAML would read it: a boolean, a number written in digits, or a string. */
function scalarOf(v: string): string | number | boolean | null {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(v)) return parseNumberish(v) ?? v;
  return v;
}

/**
 * What the steps of one trace share instead of each holding its own copy
 * (a long trace repeats a few task names, GFP masks, handles and layouts on
 * every line): never written after they are made.
 */
interface Shared {
  /** The argument columns of each layout of a call line (ScenarioStep.argPos). */
  layouts: Map<string, Record<string, number>>;
  /** Arguments other than numbers and lists, by what they say. */
  args: Map<string, RawArg>;
  /** Task names (`comm=`). */
  names: Map<string, string>;
}

function sharedName(shared: Shared, s: string): string {
  const same = shared.names.get(s);
  if (same !== undefined) return same;
  shared.names.set(s, s);
  return s;
}

function sharedArg(shared: Shared, a: RawArg): RawArg {
  if (a.t === 'num' || a.t === 'list') return a;
  const key = a.t === 'ref' ? `ref ${a.name} ${a.index ?? ''} ${a.offset ?? ''}` : `${a.t} ${String(a.v)}`;
  const same = shared.args.get(key);
  if (same) return same;
  shared.args.set(key, a);
  return a;
}

/** Parse `<call> key=value ... [as=name] [comm=name] [pid=n]` into a scenario step. */
function parseCallLine(
  spec: CallSpec<Kernel>,
  toks: Token[],
  line: number,
  index: number,
  named: Map<string, { kind: string }>,
  shared: Shared,
  fail: (line: number, col: number, msg: string) => never,
): ScenarioStep {
  // Only an error reads these: a long trace's lines pay nothing for them.
  const usage = (): string => `${spec.name} ${spec.args.map((a) => `${a.optional ? '[' : ''}${a.name}=<${a.kind}>${a.optional ? ']' : ''}`).join(' ')}`;
  const cols: Record<string, number> = {};
  let layout = '';
  const st: ScenarioStep = { index, call: spec.name, args: {}, argPos: cols, pos: { line, col: toks[0]!.col } };
  const given = new Set<string>();
  let asName: { name: string; col: number } | undefined;
  for (const t of toks.slice(1)) {
    const eq = t.text.indexOf('=');
    if (eq <= 0) fail(line, t.col, `expected key=value, got '${t.text}': expected '${usage()}'`);
    const key = t.text.slice(0, eq);
    const val = t.text.slice(eq + 1);
    const vcol = t.col + eq + 1;
    if (given.has(key)) fail(line, t.col, `'${key}' given twice: expected '${usage()}'`);
    given.add(key);
    if (key === 'as') {
      if (!/^[A-Za-z_][\w-]*$/.test(val)) fail(line, vcol, `bad handle name '${val}': expected letters, digits, '_' or '-', starting with a letter`);
      if (!spec.produces) fail(line, t.col, `'${spec.name}' returns nothing to name: remove 'as'`);
      asName = { name: val, col: vcol };
      continue;
    }
    if (key === 'comm') {
      if (val === '') fail(line, vcol, 'expected a task name after comm=');
      st.comm = sharedName(shared, val);
      continue;
    }
    if (key === 'pid') {
      const p = parseNumberish(val);
      if (p === undefined) fail(line, vcol, 'expected a pid (a non-negative integer)');
      st.pid = p;
      continue;
    }
    const a = spec.args.find((x) => x.name === key);
    if (!a) fail(line, t.col, `unknown argument '${key}' of ${spec.name}${didYouMean(key, [...spec.args.map((x) => x.name), ...LINE_KEYS])}: expected '${usage()}'`);
    const failHere = (msg: string): never => fail(line, vcol, msg);
    st.args[key] = sharedArg(shared, parseValue(val, a!.kind, `${spec.name}'s '${key}'`, named, failHere, a!.flags));
    cols[key] = vcol;
    layout += `${key}=${vcol} `;
  }
  for (const a of spec.args)
    if (!a.optional && !given.has(a.name)) {
      const last = toks[toks.length - 1]!;
      fail(line, last.col + last.text.length, `missing argument '${a.name}' of ${spec.name}: expected '${usage()}'`);
    }
  // Lines laid out alike share one record of columns (ScenarioStep.argPos): never written after this.
  const same = shared.layouts.get(layout);
  if (same) st.argPos = same;
  else shared.layouts.set(layout, cols);
  if (asName) {
    st.as = asName.name;
    named.set(asName.name, { kind: spec.produces! });
  }
  return st;
}

function parseValue(
  val: string,
  kind: ArgKind,
  what: string,
  named: Map<string, { kind: string }>,
  fail: (msg: string) => never,
  flags?: Readonly<Record<string, number>>,
): RawArg {
  if (kind === 'pages' && val.startsWith('[')) {
    if (!val.endsWith(']')) fail(`bad ${what}: expected a list of pfns like [0x1000,0x1001] (no spaces)`);
    const items = val.slice(1, -1).split(',').filter((x) => x !== '');
    return { t: 'list', v: items.map((x) => parseNumberish(x) ?? fail(`bad pfn '${x}' in ${what}: expected a number`)) };
  }
  return parseArgValue(scalarOf(val), kind, what, named, fail, flags);
}
