/**
 * The scenario language (YAML): a machine and steps named exactly as the
 * kernel names its calls, with named handles and optional expectations.
 *
 * ```yaml
 * name: wc-page
 * machine: desktop-x86-64          # a preset name, or an inline machine mapping
 * steps:
 *   - alloc_pages: { gfp: GFP_KERNEL, order: 0 }
 *     as: pg
 *   - set_pages_array_wc: { pages: pg }
 *     expect: { ret: 0 }
 *   - lookup_memtype: { addr: pg[0] }
 *     expect: { type: write-combining }
 * expect:
 *   pat_memtype_list: []
 * ```
 *
 * Every error names file:line:column and what was expected; unknown keys,
 * calls and arguments get a "did you mean".
 */

import { ERRNO_VALUES } from '../../kernel/errno.js';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { cacheModeFromAnyName } from '../../hw/cache-mode.js';
import type { ArgKind, CallSpec } from '../../calls/types.js';
import type { MachineSpec } from '../../kernel/machine.js';
import { didYouMean } from '../did-you-mean.js';
import { parseNumberish, YamlSource } from '../yaml/source.js';
import { parseNumber } from '../numbers.js';
import type { FinalExpect, Pos, RawArg, Scenario, ScenarioStep, StepExpect } from '../../run/scenario.js';

/** Resolves a scenario's `machine:` value (a preset name or an inline mapping) to a machine. */
export type MachineResolver = (src: YamlSource, node: Node) => MachineSpec;

const TOP_KEYS = ['name', 'description', 'machine', 'steps', 'expect', 'report', 'roles'] as const;
/** Roles a scenario can play in the comparison's summary (docs/scenario-language.md). */
const ROLE_KEYS = ['request', 'scale'] as const;
const STEP_KEYS = ['as', 'expect', 'comm', 'pid', 'caller', 'note'] as const;
const FINAL_EXPECT_KEYS = ['pat_memtype_list', 'directmap', 'counters', 'messages'] as const;
const GFP = ['GFP_KERNEL', 'GFP_DMA32', 'GFP_DMA', 'GFP_HIGHUSER'];
/** `name`, `name[i]` or `name.i` (the latter works inside YAML flow mappings), then an optional `+offset`. */
const REF = /^([A-Za-z_][\w-]*)(?:\[(\d+)\]|\.(\d+))?(?:\+(0x[0-9a-fA-F]+|\d+))?$/;
const HANDLE_NAME = /^[A-Za-z_][\w-]*$/;

export function parseScenario(
  text: string,
  file: string,
  calls: ReadonlyMap<string, CallSpec<never>>,
  resolveMachine: MachineResolver,
): Scenario {
  const src: YamlSource = new YamlSource(file, text);
  const root = src.map(src.doc.contents as Node, 'a scenario');
  const top = src.pairs(root, TOP_KEYS, 'the scenario');
  const machineNode = top.get('machine')?.value as Node | undefined;
  if (!machineNode) src.fail(root, "missing 'machine': expected a preset name or a machine mapping");
  const stepsNode = top.get('steps')?.value as Node | undefined;
  if (!stepsNode) src.fail(root, "missing 'steps': expected a list of kernel calls");
  const nameNode = top.get('name')?.value as Node | undefined;
  const name = nameNode ? src.str(nameNode, 'the scenario name') : file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  const descNode = top.get('description')?.value as Node | undefined;
  const machine = resolveMachine(src, machineNode);
  const handles = new Map<string, { kind: string; pos: Pos }>();
  const steps: ScenarioStep[] = [];
  src.seq(stepsNode, "'steps'").items.forEach((node, i) => steps.push(parseStep(src, node, i + 1, calls, handles)));
  const expectNode = top.get('expect')?.value as Node | undefined;
  const scenario: Scenario = { file, name, machine, steps };
  if (descNode) scenario.description = src.str(descNode, 'the description');
  if (expectNode) scenario.expect = parseFinalExpect(src, expectNode);
  const reportNode = top.get('report')?.value as Node | undefined;
  if (reportNode) {
    scenario.report = src.seq(reportNode, "'report' (a list of handle names whose mappings the comparison shows)").items.map((it) => {
      const name = src.str(it as Node, 'a handle name');
      if (!handles.has(name)) src.fail(it as Node, `unknown handle '${name}' in 'report'${didYouMean(name, handles.keys())}: expected a name given by a step's 'as'`);
      return { name, pos: src.pos(it as Node) };
    });
  }
  const rolesNode = top.get('roles')?.value as Node | undefined;
  if (rolesNode) {
    const roles = src.pairs(src.map(rolesNode, "'roles' (a mapping: request: HANDLE, scale: true)"), ROLE_KEYS, "'roles'");
    const req = roles.get('request')?.value as Node | undefined;
    scenario.roles = {};
    if (req) {
      const name = src.str(req, 'a handle name');
      if (!scenario.report?.some((r) => r.name === name)) src.fail(req, `'roles: request' names '${name}', which 'report' does not list: expected one of ${(scenario.report ?? []).map((r) => r.name).join(', ') || "the names in 'report'"}`);
      scenario.roles.request = name;
    }
    const scale = roles.get('scale')?.value as Node | undefined;
    if (scale) {
      if (!isScalar(scale) || typeof scale.value !== 'boolean') src.fail(scale, "'roles: scale' expected true or false");
      if (scale.value === true) scenario.roles.scale = true;
    }
  }
  return scenario;
}

function parseStep(
  src: YamlSource,
  node: Node,
  index: number,
  calls: ReadonlyMap<string, CallSpec<never>>,
  handles: Map<string, { kind: string; pos: Pos }>,
): ScenarioStep {
  const m = src.map(node, `step ${index} (a mapping with one kernel call, e.g. '- set_pages_array_wc: { pages: bo }')`);
  let call: { name: string; spec: CallSpec<never>; value: Node | null; keyNode: Node } | undefined;
  const extra = new Map<string, Node>();
  for (const p of m.items) {
    const k = p.key as Node;
    if (!isScalar(k) || typeof k.value !== 'string') src.fail(k, `expected a kernel call name in step ${index}`);
    const key = k.value as string;
    if ((STEP_KEYS as readonly string[]).includes(key)) {
      extra.set(key, p.value as Node);
      continue;
    }
    const spec = calls.get(key);
    if (!spec)
      src.fail(k, `unknown kernel call '${key}' in step ${index}${didYouMean(key, [...calls.keys(), ...STEP_KEYS])}: expected a modelled kernel function (see 'patlab calls')`);
    if (call) src.fail(k, `step ${index} has two calls ('${call.name}' and '${key}'): expected one call per step`);
    call = { name: key, spec, value: p.value as Node | null, keyNode: k };
  }
  if (!call) src.fail(m, `step ${index} names no kernel call: expected one of the modelled functions, e.g. 'memtype_reserve'`);
  const step: ScenarioStep = { index, call: call.name, args: {}, argPos: {}, pos: src.pos(m) };
  parseArgs(src, call.spec, call.value, call.keyNode, step, handles);
  const asNode = extra.get('as');
  if (asNode) {
    const h = src.str(asNode, "a handle name for 'as'");
    if (!HANDLE_NAME.test(h)) src.fail(asNode, `bad handle name '${h}': expected letters, digits, '_' or '-', starting with a letter`);
    if (!call.spec.produces) src.fail(asNode, `'${call.name}' returns nothing to name: remove 'as'`);
    step.as = h;
    handles.set(h, { kind: call.spec.produces, pos: src.pos(asNode) });
  }
  const comm = extra.get('comm');
  if (comm) step.comm = src.str(comm, "the task name for 'comm'");
  const caller = extra.get('caller');
  if (caller) step.caller = src.str(caller, "what %pS prints for the calling function, for 'caller'");
  const pid = extra.get('pid');
  if (pid) {
    const v = parseNumberish(src.scalar(pid, 'a pid'));
    if (v === undefined) src.fail(pid, 'expected a pid (a non-negative integer)');
    step.pid = v;
  }
  const ex = extra.get('expect');
  if (ex) step.expect = parseStepExpect(src, ex, index);
  return step;
}

function parseArgs(
  src: YamlSource,
  spec: CallSpec<never>,
  value: Node | null,
  keyNode: Node,
  step: ScenarioStep,
  handles: Map<string, { kind: string; pos: Pos }>,
): void {
  const names = spec.args.map((a) => a.name);
  const usage = `${spec.name}: { ${spec.args.map((a) => `${a.name}${a.optional ? '?' : ''}`).join(', ')} }`;
  let given = new Map<string, Node>();
  if (value !== null && !(isScalar(value) && value.value === null)) {
    if (!isMap(value)) src.fail(value, `expected the arguments of ${spec.name} as a mapping: '${usage}'`);
    for (const p of (value as YAMLMap<Node, Node>).items) {
      const k = p.key as Node;
      const key = isScalar(k) ? String(k.value) : '';
      if (!names.includes(key)) src.fail(k, `unknown argument '${key}' of ${spec.name}${didYouMean(key, names)}: expected '${usage}'`);
      given.set(key, p.value as Node);
    }
  }
  for (const a of spec.args) {
    const n = given.get(a.name);
    if (!n) {
      if (!a.optional) src.fail(value ?? keyNode, `missing argument '${a.name}' of ${spec.name}: expected '${usage}'`);
      continue;
    }
    step.args[a.name] = parseArg(src, n, a.kind, `${spec.name}'s '${a.name}'`, handles, a.flags);
    step.argPos[a.name] = src.pos(n);
  }
  given = new Map();
}

const KIND_TEXT: Record<ArgKind, string> = {
  phys: 'a physical address (number, 0x hex, or a page handle like bo.0)',
  size: "a size in bytes (number, 0x hex, or '2M')",
  pfn: 'a pfn (number, or a page handle like bo.0)',
  count: 'a count',
  mode: 'a cache mode (write-back, write-combining, uncached-minus, uncached, write-through, write-protected, or WB/WC/UC-/UC/WT/WP)',
  pages: 'a pages handle or a list of pfns',
  page: 'a page (a handle like bo.3 or bo[3], or a pfn)',
  vaddr: "a kernel virtual address (a mapping handle, 'map+0x1000', a page handle 'bo.0', or a number)",
  gfp: `a GFP flag (${GFP.join(', ')})`,
  bool: 'true or false',
  flags: "flag names joined by '|'",
  iomap: 'a mapping handle (the name given by the call that created it)',
  bo: 'a buffer-object handle (the name given by ttm_bo_create)',
};

function parseArg(
  src: YamlSource,
  n: Node,
  kind: ArgKind,
  what: string,
  handles: ReadonlyMap<string, { kind: string }>,
  flags?: Readonly<Record<string, number>>,
): RawArg {
  const fail = (msg: string): never => src.fail(n, msg);
  if (kind === 'pages' && isSeq(n)) {
    const v = n.items.map((it) => parseNumberish(src.scalar(it as Node, 'a pfn')) ?? src.fail(it as Node, `bad pfn in ${what}: expected a number`));
    return { t: 'list', v };
  }
  const v = src.scalar(n, what);
  // YAML reads 0xffffffffffff000 as an inexact double: quote the number as written.
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && n.range) fail(`bad ${what}: number ${src.text.slice(n.range[0], n.range[1]).trim()} is above 2^53-1, the largest exact address`);
  return parseArgValue(v, kind, what, handles, fail, flags);
}

/**
 * One argument value of kind `kind`, from a scalar as YAML reads it (string,
 * number, boolean or null). Shared by the YAML scenarios and the
 * one-line-per-call trace form (src/io/trace/call-trace.ts), so both accept
 * the same syntax with the same messages; `fail` raises the positioned error.
 */
export function parseArgValue(
  s: string | number | boolean | null,
  kind: ArgKind,
  what: string,
  handles: ReadonlyMap<string, { kind: string }>,
  fail: (msg: string) => never,
  flags?: Readonly<Record<string, number>>,
): RawArg {
  const bad = (): never => fail(`bad ${what}: expected ${kind === 'flags' && flags ? `flag names joined by '|' (${Object.keys(flags).join(', ')})` : KIND_TEXT[kind]}`);
  const ref = (text: string, allowIndex: boolean, allowOffset: boolean): RawArg | undefined => {
    const m = REF.exec(text);
    if (!m) return undefined;
    const name = m[1]!;
    if (!handles.has(name)) fail(`unknown handle '${name}' in ${what}${didYouMean(name, handles.keys())}: expected a name given by an earlier step's 'as'`);
    const idx = m[2] ?? m[3];
    if (idx !== undefined && !allowIndex) bad();
    if (m[4] !== undefined && !allowOffset) bad();
    const r: RawArg = { t: 'ref', name };
    if (idx !== undefined) r.index = Number(idx);
    if (m[4] !== undefined) r.offset = Number(m[4]);
    return r;
  };
  switch (kind) {
    case 'bool':
      if (typeof s !== 'boolean') bad();
      return { t: 'bool', v: s as boolean };
    case 'mode': {
      const m = typeof s === 'string' ? cacheModeFromAnyName(s) : undefined;
      if (m === undefined) bad();
      return { t: 'mode', v: m! };
    }
    case 'gfp':
      if (typeof s !== 'string' || !GFP.includes(s)) fail(`bad ${what}: expected ${KIND_TEXT.gfp}${typeof s === 'string' ? didYouMean(s, GFP) : ''}`);
      return { t: 'gfp', v: s as string };
    case 'pages':
    case 'iomap':
    case 'bo':
      if (typeof s === 'string') return ref(s, false, false) ?? bad();
      return bad();
    case 'flags': {
      if (typeof s === 'number' && Number.isInteger(s) && s >= 0) return { t: 'num', v: s };
      if (typeof s !== 'string' || !flags) return bad();
      let v = 0;
      for (const name of s.split('|').map((x) => x.trim())) {
        const f = flags[name];
        if (f === undefined) fail(`unknown flag '${name}' in ${what}${didYouMean(name, Object.keys(flags))}: expected flag names joined by '|' (${Object.keys(flags).join(', ')})`);
        v |= f;
      }
      return { t: 'num', v };
    }
    default: {
      const num = parseNumberish(s);
      if (num !== undefined) return { t: 'num', v: num };
      // A number patlab cannot hold exactly says so, instead of "expected a number".
      const n = parseNumber(s);
      if (!n.ok && (typeof s === 'number' || (typeof s === 'string' && /^(0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$/.test(s)))) fail(`bad ${what}: ${n.why}`);
      if (typeof s === 'string' && (kind === 'phys' || kind === 'pfn' || kind === 'page' || kind === 'vaddr'))
        return ref(s, true, kind === 'vaddr' || kind === 'phys') ?? bad();
      return bad();
    }
  }
}

function parseStepExpect(src: YamlSource, node: Node, index: number): StepExpect {
  const m = src.map(node, `the expectations of step ${index}`);
  const ex: StepExpect = { pos: src.pos(m) };
  for (const p of m.items) {
    const k = p.key as Node;
    const key = isScalar(k) ? String(k.value) : '';
    const v = p.value as Node;
    if (key === 'ret') {
      const s = src.scalar(v, "'ret'");
      if (s === 'ok' || s === 'null' || s === 'NULL') ex.ret = s === 'ok' ? 'ok' : 'null';
      else if (s === null) ex.ret = 'null';
      else if (typeof s === 'number' && Number.isInteger(s)) ex.ret = s;
      else if (typeof s === 'string' && /^-?E[A-Z]+$/.test(s)) ex.ret = errnoValue(src, v, s);
      else src.fail(v, "bad 'ret': expected ok, null, 0, a negative errno number, or a name like -EBUSY");
    } else if (key === 'messages') {
      ex.messages = src.seq(v, "'messages'").items.map((it) => src.str(it as Node, 'a kernel message'));
    } else if (key === 'fatal') {
      const s = src.scalar(v, "'fatal'");
      if (typeof s !== 'boolean') src.fail(v, "bad 'fatal': expected true or false");
      ex.fatal = s as boolean;
    } else {
      const s = src.scalar(v, `'${key}'`);
      if (s === null) src.fail(v, `bad '${key}': expected a value`);
      (ex.fields ??= {})[key] = s as string | number | boolean;
    }
  }
  return ex;
}

function errnoValue(src: YamlSource, n: Node, s: string): number {
  const name = s.replace(/^-/, '');
  const v = ERRNO_VALUES[name];
  if (v === undefined) src.fail(n, `unknown errno '${s}'${didYouMean(name, Object.keys(ERRNO_VALUES))}: expected one of ${Object.keys(ERRNO_VALUES).join(', ')}`);
  return -v;
}

function parseFinalExpect(src: YamlSource, node: Node): FinalExpect {
  const m = src.map(node, "the scenario's final 'expect'");
  const pairs = src.pairs(m, FINAL_EXPECT_KEYS, "the final 'expect'");
  const fe: FinalExpect = { pos: src.pos(m), fieldPos: {} };
  const lines = (key: string): string[] | undefined => {
    const v = pairs.get(key)?.value as Node | undefined;
    if (!v) return undefined;
    fe.fieldPos[key] = src.pos(v);
    if (isScalar(v) && typeof v.value === 'string') return v.value.split('\n').filter((l) => l.length > 0);
    return src.seq(v, `'${key}' (a list of lines or a block of text)`).items.map((it) => src.str(it as Node, 'a line'));
  };
  const pml = lines('pat_memtype_list');
  if (pml) fe.patMemtypeList = pml.filter((l) => l !== 'PAT memtype list:');
  const dm = lines('directmap');
  if (dm) fe.directmap = dm;
  const msgs = lines('messages');
  if (msgs) fe.messages = msgs;
  const c = pairs.get('counters')?.value as Node | undefined;
  if (c) {
    fe.fieldPos['counters'] = src.pos(c);
    fe.counters = {};
    for (const p of src.map(c, "'counters'").items) {
      const k = p.key as Node;
      const v = parseNumberish(src.scalar(p.value as Node, 'a counter value'));
      if (v === undefined) src.fail(p.value as Node, 'expected a counter value (a non-negative integer)');
      fe.counters[String((k as { value?: unknown }).value)] = v;
    }
  }
  return fe;
}
