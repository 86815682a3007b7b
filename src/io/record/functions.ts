/**
 * The functions `patlab record` traces and their prototypes, read from
 * `probe/record-functions.yaml` (docs/record.md §2): data, so a function is
 * added by a line in that file, not in code.
 */

import { isSeq, type Node } from 'yaml';
import { packagedFile } from '../data/files.js';
import { YamlSource } from '../yaml/source.js';

/** The recorder's argument types (the comment at the top of the YAML file says what each is). */
export const ARG_TYPES = ['ulong', 'long', 'int', 'uint', 'enum', 'bool', 'u64', 'phys', 'ptr', 'dmaddr', 'vma', 'page', 'pages', 'pgprot', 'pfn_t', 'ulongp'] as const;
export type ArgType = (typeof ARG_TYPES)[number];
export const RET_TYPES = ['void', 'int', 'uint', 'ptr', 'u64'] as const;
export type RetType = (typeof RET_TYPES)[number];

export interface ProtoArg {
  type: ArgType;
  name: string;
}

/** One prototype of a function, for the kernels in [from, until) (either end open). */
export interface Prototype {
  ret: RetType;
  args: ProtoArg[];
  from?: string;
  until?: string;
  /**
   * A tracefs event filter on the entry event's fields (`vma_flags & 0x10000400`): the kernel
   * drops the other calls before they reach the buffer (a function called for every VMA).
   */
  filter?: string;
  /**
   * Traced at its entry only, which then also fetches `caller` (the return address, as
   * symbol+offset): a void function whose return says nothing, and whose return event could
   * not be filtered (a kretprobe sees no arguments).
   */
  entryOnly?: boolean;
}

export interface RecordedFunction {
  name: string;
  prototypes: Prototype[];
}

export const RECORD_FUNCTIONS_FILE = 'probe/record-functions.yaml';

let cached: RecordedFunction[] | undefined;

/** The shipped table. */
export function recordFunctions(): RecordedFunction[] {
  return (cached ??= parseRecordFunctions(packagedFile(RECORD_FUNCTIONS_FILE), RECORD_FUNCTIONS_FILE));
}

/** Read a function table (InputError `FILE:LINE:COL:` on a bad entry). */
export function parseRecordFunctions(text: string, file: string): RecordedFunction[] {
  const src = new YamlSource(file, text);
  const root = src.map(src.doc.contents as Node | null, 'a mapping of function names to prototypes');
  const out: RecordedFunction[] = [];
  for (const p of root.items) {
    const name = String(src.scalar(p.key as Node, 'a function name'));
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) src.fail(p.key as Node, `bad function name '${name}': expected a C identifier`);
    const v = p.value as Node;
    const entries = isSeq(v) ? v.items : [v];
    out.push({ name, prototypes: entries.map((e) => prototype(src, e as Node, name)) });
  }
  return out;
}

function prototype(src: YamlSource, node: Node, fn: string): Prototype {
  const m = src.pairs(src.map(node, `the prototype of ${fn}`), ['ret', 'args', 'kernels', 'filter', 'entry-only'], `the prototype of ${fn}`);
  const retNode = m.get('ret')?.value as Node | undefined;
  if (!retNode) src.fail(node, `missing 'ret' in the prototype of ${fn}: expected one of ${RET_TYPES.join(', ')}`);
  const ret = src.str(retNode, "'ret'");
  if (!(RET_TYPES as readonly string[]).includes(ret)) src.fail(retNode, `unknown return type '${ret}': expected one of ${RET_TYPES.join(', ')}`);
  const argsNode = m.get('args')?.value as Node | undefined;
  if (!argsNode) src.fail(node, `missing 'args' in the prototype of ${fn}`);
  const args = src.seq(argsNode, "'args'").items.map((a) => {
    const s = src.str(a as Node, 'an argument as TYPE NAME');
    const mm = /^(\w+)\s+(\w+)$/.exec(s.trim());
    if (!mm || !(ARG_TYPES as readonly string[]).includes(mm[1]!)) src.fail(a as Node, `bad argument '${s}': expected TYPE NAME with TYPE one of ${ARG_TYPES.join(', ')}`);
    return { type: mm![1] as ArgType, name: mm![2]! };
  });
  const pr: Prototype = { ret: ret as RetType, args };
  const filterNode = m.get('filter')?.value as Node | undefined;
  if (filterNode) {
    const f = src.str(filterNode, "'filter'");
    // It is echoed into tracefs from a single-quoted shell word: keep it to the filter grammar's characters.
    if (!/^[\w\s&|()!=<>~*"-]+$/.test(f) || f.trim() === '') src.fail(filterNode, `bad filter '${f}': expected a tracefs event filter over the event's field names (FIELD & MASK, FIELD == N, && and ||)`);
    pr.filter = f.trim();
  }
  const eo = m.get('entry-only')?.value as Node | undefined;
  if (eo) {
    const v = src.scalar(eo, "'entry-only'");
    if (typeof v !== 'boolean') src.fail(eo, `bad entry-only '${String(v)}': expected true or false`);
    if (v && ret !== 'void') src.fail(eo, `entry-only needs 'ret: void': ${fn}'s return value would be lost`);
    if (v) pr.entryOnly = true;
  }
  const k = m.get('kernels')?.value as Node | undefined;
  if (k) {
    const km = src.pairs(src.map(k, "'kernels'"), ['from', 'until'], "'kernels'");
    for (const key of ['from', 'until'] as const) {
      const n = km.get(key)?.value as Node | undefined;
      if (!n) continue;
      const s = String(src.scalar(n, `'${key}'`));
      if (!/^\d+\.\d+$/.test(s)) src.fail(n, `bad '${key}' '${s}': expected a kernel version like 6.12`);
      pr[key] = s;
    }
  }
  return pr;
}

/** A version's sortable number: 6.12 → 6012. */
export function versionNumber(v: string): number {
  const [a, b] = v.split('.').map(Number);
  return a! * 1000 + b!;
}
