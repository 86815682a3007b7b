/**
 * `/proc/iomem` (kernel/resource.c `r_show`): `%*s%0*llx-%0*llx : %s`, two
 * spaces of indent per nesting level. Read as non-root the addresses are
 * printed as zeros (`iomem_is_exclusive` / `kptr_restrict`-style hiding since
 * v4.15, 51d7b120418e): such a file gives names but no ranges, which the
 * parser reports in `zeroed`.
 */

import { hexNum, numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface IomemNode {
  start: number;
  /** Inclusive, as printed. */
  endIncl: number;
  name: string;
  depth: number;
  children: IomemNode[];
  line: number;
}

export interface IomemFile {
  roots: IomemNode[];
  /** Every address is 0: the file was read without CAP_SYS_ADMIN. */
  zeroed: boolean;
}

const LINE = /^( *)([0-9a-f]+)-([0-9a-f]+) : (.+)$/;

export function parseProcIomem(text: string, file: string): Parsed<IomemFile> {
  const roots: IomemNode[] = [];
  const stack: IomemNode[] = [];
  const issues: ParseIssue[] = [];
  let allZero = true;
  let any = false;
  for (const l of numberedLines(text)) {
    const m = LINE.exec(l.text);
    if (!m || m[1]!.length % 2 !== 0) {
      issues.push({ file, line: l.n, text: l.text, why: 'not a /proc/iomem line (expected "<2 spaces per level>start-end : name")' });
      continue;
    }
    const depth = m[1]!.length / 2;
    const start = hexNum(m[2]!);
    const endIncl = hexNum(m[3]!);
    if (start === undefined || endIncl === undefined || endIncl < start) {
      issues.push({ file, line: l.n, text: l.text, why: 'bad range (expected start <= end, below 2^53)' });
      continue;
    }
    if (depth > stack.length) {
      issues.push({ file, line: l.n, text: l.text, why: `indent of ${depth} levels under a line of ${stack.length - 1} (a child needs exactly one more level)` });
      continue;
    }
    any = true;
    if (start !== 0 || endIncl !== 0) allZero = false;
    const node: IomemNode = { start, endIncl, name: m[4]!, depth, children: [], line: l.n };
    stack.length = depth;
    if (depth === 0) roots.push(node);
    else stack[depth - 1]!.children.push(node);
    stack.push(node);
  }
  return { value: { roots, zeroed: any && allZero }, issues };
}

/** Depth-first walk. */
export function* walkIomem(nodes: readonly IomemNode[]): Generator<IomemNode> {
  for (const n of nodes) {
    yield n;
    yield* walkIomem(n.children);
  }
}
