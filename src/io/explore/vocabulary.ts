/**
 * Reading an explore vocabulary (docs/explore.md §2):
 *
 * ```yaml
 * name: default
 * machine: small-686-pae              # a preset name or an inline machine mapping
 * handles: { page: 2, vma: 1 }         # classes and how many may be live at once
 * calls:
 *   - alloc_pages: { gfp: [GFP_KERNEL, GFP_HIGHUSER] }   # a list: each value is tried
 *     as: page
 *   - mmap: { size: 4096, flags: VM_PFNMAP|VM_IO }
 *     as: vma
 *   - vmf_insert_pfn_prot: { addr: $vma, pfn: $page, prot: [WC, UC] }   # $class: any live handle
 *     hold: { pfn: $addr }             # the page is held by that VMA until it is unmapped ($as: by the handle made)
 *   - munmap: { addr: $vma, size: 4096 }
 *     consumes: addr
 *   - ttm_bo_unmap_virtual: { bo: $bo }
 *     as: zapped                       # a call with no handle makes a token
 *   - ttm_tt_unpopulate: { bo: $bo }
 *     requires: zapped                 # tried only while a token of that class lives
 *     ends: zapped                     # and ends every one
 * ```
 *
 * Calls and arguments are the scenario language's (checked against the same
 * call table, with the same value syntax); errors are positioned.
 */

import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { CallSpec } from '../../calls/types.js';
import { didYouMean } from '../did-you-mean.js';
import { loadMachineNode } from '../machine/load-machine.js';
import { parseArgValue } from '../scenario/parse.js';
import { YamlSource } from '../yaml/source.js';
import type { VocabArg, VocabCall, VocabChoice, VocabHold, Vocabulary } from '../../run/explore/vocabulary.js';

const TOP_KEYS = ['name', 'description', 'machine', 'handles', 'calls'] as const;
const CALL_KEYS = ['as', 'consumes', 'requires', 'ends', 'hold', 'release'] as const;
const CLASS_NAME = /^[A-Za-z_][\w-]*$/;
const HANDLE_REF = /^\$([A-Za-z_][\w-]*)(?:\[(\d+)\]|\.(\d+))?(?:\+(0x[0-9a-fA-F]+|\d+))?$/;
/** Most handles of one class live at once: the universe is meant to be small. */
const MAX_PER_CLASS = 8;

export function parseVocabulary(text: string, file: string, calls: ReadonlyMap<string, CallSpec<never>>): Vocabulary {
  const src = new YamlSource(file, text);
  const root = src.map(src.doc.contents as Node, 'an explore vocabulary');
  const top = src.pairs(root, TOP_KEYS, 'the vocabulary');
  const node = (k: string): Node | undefined => top.get(k)?.value as Node | undefined;
  const machineNode = node('machine');
  if (!machineNode) src.fail(root, "missing 'machine': expected a preset name or a machine mapping");
  const machine = loadMachineNode(machineNode, src);
  const machineYaml = isScalar(machineNode) ? String(machineNode.value) : dedent(src.text.slice(machineNode!.range![0], machineNode!.range![1]));
  const classes = new Map<string, number>();
  const handlesNode = node('handles');
  if (!handlesNode) src.fail(root, "missing 'handles': expected a mapping of handle classes to how many may be live at once, e.g. { page: 2, vma: 1 }");
  for (const p of src.map(handlesNode, "'handles'").items) {
    const k = p.key as Node;
    const name = isScalar(k) ? String(k.value) : '';
    if (!CLASS_NAME.test(name)) src.fail(k, `bad handle class '${name}': expected letters, digits, '_' or '-', starting with a letter`);
    const v = src.scalar(p.value as Node, `the most live handles of class '${name}'`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PER_CLASS) src.fail(p.value as Node, `bad count for '${name}': expected an integer from 1 to ${MAX_PER_CLASS}`);
    classes.set(name, v as number);
  }
  const callsNode = node('calls');
  if (!callsNode) src.fail(root, "missing 'calls': expected a list of kernel calls with their argument values");
  const out: VocabCall[] = src.seq(callsNode, "'calls'").items.map((n, i) => parseCall(src, n as Node, i + 1, calls, classes));
  if (out.length === 0) src.fail(callsNode, "'calls' is empty: expected at least one kernel call");
  const nameNode = node('name');
  const name = nameNode ? src.str(nameNode, 'the vocabulary name') : file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  return { file, name, machine, machineYaml, classes, calls: out };
}

function parseCall(src: YamlSource, node: Node, index: number, calls: ReadonlyMap<string, CallSpec<never>>, classes: ReadonlyMap<string, number>): VocabCall {
  const m = src.map(node, `call ${index} (a mapping with one kernel call, e.g. '- alloc_pages: { gfp: GFP_KERNEL }')`);
  let found: { spec: CallSpec<never>; value: Node | null; key: Node } | undefined;
  const extra = new Map<string, Node>();
  for (const p of m.items) {
    const k = p.key as Node;
    const key = isScalar(k) ? String(k.value) : '';
    if ((CALL_KEYS as readonly string[]).includes(key)) {
      extra.set(key, p.value as Node);
      continue;
    }
    const spec = calls.get(key);
    if (!spec) src.fail(k, `unknown kernel call '${key}' in call ${index}${didYouMean(key, [...calls.keys(), ...CALL_KEYS])}: expected a modelled kernel function (see 'patlab calls')`);
    if (found) src.fail(k, `call ${index} has two calls ('${found.spec.name}' and '${key}'): expected one call per entry`);
    found = { spec, value: p.value as Node | null, key: k };
  }
  if (!found) src.fail(m, `call ${index} names no kernel call: expected one of the modelled functions`);
  const { spec } = found;
  const cls = (n: Node, what: string): string => {
    const c = src.str(n, what);
    if (!classes.has(c)) src.fail(n, `unknown handle class '${c}'${didYouMean(c, classes.keys())}: expected one declared in 'handles' (${[...classes.keys()].join(', ')})`);
    return c;
  };
  const args: VocabArg[] = [];
  const given = new Map<string, Node>();
  const usage = `${spec.name}: { ${spec.args.map((a) => `${a.name}${a.optional ? '?' : ''}`).join(', ')} }`;
  if (found.value !== null && !(isScalar(found.value) && found.value.value === null)) {
    if (!isMap(found.value)) src.fail(found.value, `expected the arguments of ${spec.name} as a mapping: '${usage}'`);
    for (const p of (found.value as YAMLMap<Node, Node>).items) {
      const k = p.key as Node;
      const key = isScalar(k) ? String(k.value) : '';
      if (!spec.args.some((a) => a.name === key)) src.fail(k, `unknown argument '${key}' of ${spec.name}${didYouMean(key, spec.args.map((a) => a.name))}: expected '${usage}'`);
      given.set(key, p.value as Node);
    }
  }
  for (const a of spec.args) {
    const n = given.get(a.name);
    if (!n) {
      if (!a.optional) src.fail(found.value ?? found.key, `missing argument '${a.name}' of ${spec.name}: expected '${usage}'`);
      continue;
    }
    const items = isSeq(n) && !(a.kind === 'pages' && n.items.every((it) => isScalar(it) && typeof (it as { value: unknown }).value === 'number')) ? (n.items as Node[]) : [n];
    if (items.length === 0) src.fail(n, `no values for '${a.name}': expected a value or a list of values to try`);
    const choices = items.map((it): VocabChoice => {
      const what = `${spec.name}'s '${a.name}'`;
      const v = isScalar(it) ? it.value : undefined;
      if (typeof v === 'string' && v.startsWith('$')) {
        const r = HANDLE_REF.exec(v);
        if (!r) src.fail(it, `bad handle reference '${v}' in ${what}: expected $CLASS, $CLASS.N or $CLASS+OFFSET`);
        if (!classes.has(r![1]!)) src.fail(it, `unknown handle class '${r![1]}' in ${what}${didYouMean(r![1]!, classes.keys())}: expected one declared in 'handles' (${[...classes.keys()].join(', ')})`);
        const c: VocabChoice = { t: 'handle', cls: r![1]! };
        const idx = r![2] ?? r![3];
        if (idx !== undefined) c.index = Number(idx);
        if (r![4] !== undefined) c.offset = Number(r![4]);
        return c;
      }
      const raw = parseArgValue(isSeq(it) ? null : src.scalar(it, what), a.kind, what, new Map(), (msg) => src.fail(it, msg), a.flags);
      const text = src.text.slice(it.range![0], it.range![1]).trim();
      return { t: 'literal', raw, text };
    });
    args.push({ name: a.name, choices });
  }
  const call: VocabCall = { call: spec.name, pos: src.pos(m), args, requires: [], ends: [], hold: [], release: [] };
  const asNode = extra.get('as');
  if (asNode) call.as = cls(asNode, "a handle class for 'as'");
  const consumes = extra.get('consumes');
  if (consumes) {
    const a = src.str(consumes, "the argument whose handle 'consumes' ends");
    const arg = args.find((x) => x.name === a);
    if (!arg) src.fail(consumes, `'consumes: ${a}' names no argument of this entry${didYouMean(a, args.map((x) => x.name))}`);
    if (!arg.choices.every((c) => c.t === 'handle')) src.fail(consumes, `'consumes: ${a}': every value of '${a}' must be a handle ($CLASS)`);
    call.consumes = a;
  }
  const req = extra.get('requires');
  if (req) call.requires = (isSeq(req) ? (req.items as Node[]) : [req]).map((n) => cls(n, "a handle class for 'requires'"));
  const ends = extra.get('ends');
  if (ends) call.ends = (isSeq(ends) ? (ends.items as Node[]) : [ends]).map((n) => cls(n, "a handle class for 'ends'"));
  const holds = (key: 'hold' | 'release'): VocabHold[] => {
    const n = extra.get(key);
    if (!n) return [];
    return src.map(n, `'${key}' (a mapping ARG: LABEL or ARG: $ARG)`).items.map((p) => {
      const a = isScalar(p.key) ? String((p.key as { value: unknown }).value) : '';
      const arg = args.find((x) => x.name === a);
      if (!arg || !arg.choices.every((c) => c.t === 'handle')) src.fail(p.key as Node, `'${key}: ${a}' must name an argument whose values are handles ($CLASS)${didYouMean(a, args.map((x) => x.name))}`);
      const label = src.str(p.value as Node, `the label of '${key}: ${a}'`);
      if (label === '$as') {
        if (call.as === undefined) src.fail(p.value as Node, `'$as' names the handle this call makes, but it has no 'as'`);
        return { arg: a, label: 'as', from: 'as' };
      }
      if (label.startsWith('$')) {
        const from = label.slice(1);
        const fa = args.find((x) => x.name === from);
        if (!fa || !fa.choices.every((c) => c.t === 'handle')) src.fail(p.value as Node, `'${label}' must name another argument whose values are handles${didYouMean(from, args.map((x) => x.name))}`);
        return { arg: a, label: from, from: 'arg' };
      }
      return { arg: a, label };
    });
  };
  call.hold = holds('hold');
  call.release = holds('release');
  return call;
}

/** A block's text with its common indentation removed (the first line starts at the node). */
function dedent(block: string): string {
  const lines = block.replace(/\s+$/, '').split('\n');
  const rest = lines.slice(1).filter((l) => l.trim() !== '');
  const ind = rest.length ? Math.min(...rest.map((l) => l.length - l.trimStart().length)) : 0;
  return [lines[0]!, ...lines.slice(1).map((l) => l.slice(ind))].join('\n');
}
