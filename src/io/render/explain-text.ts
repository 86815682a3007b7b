/**
 * `patlab explain` output: each explained mapping with its chain of
 * decisions (check/explain.ts), as numbered lines that fit 100 columns, or
 * as JSON. Consecutive pages of one mapping whose chains differ only in
 * their own pfn and address are shown once, as a range.
 */

import type { ExplainedMapping, ExplainLink } from '../../check/explain.js';
import { hex } from '../../hw/hex.js';

export interface ExplainReport {
  scenario: string;
  policy: string;
  step: number;
  /** The call of that step (`boot` for step 0). */
  call: string;
  /** What was asked about: `mapping user_map` or `pfn 0x1234`. */
  target: string;
  mappings: ExplainedMapping[];
  /** Printable form of a stored virtual address (kernel addresses carry the x86-64 bias). */
  showVaddr: (v: number) => string;
}

/** A run of pages whose chains agree. */
export interface ExplainGroup {
  first: ExplainedMapping;
  npages: number;
}

const WIDTH = 100;

/**
 * The chain with the page's own pfn abstracted (`pfn 0x..` in what a link
 * read; the MTRR link's address), so pages are told apart only by real
 * differences.
 */
function chainKey(m: ExplainedMapping): string {
  const own = new RegExp(`pfn 0x${m.pfn.toString(16)}(?![0-9a-f])`, 'g');
  const links = m.links.map((l) => ({ ...l, read: l.fn === 'MTRR type' ? '' : l.read.replace(own, 'pfn #') }));
  return `${m.kind}|${m.owner}|${m.effective}|${JSON.stringify(links)}`;
}

export function groupExplained(ms: readonly ExplainedMapping[]): ExplainGroup[] {
  const out: ExplainGroup[] = [];
  let prevKey = '';
  for (const m of ms) {
    const g = out[out.length - 1];
    const key = chainKey(m);
    if (g && key === prevKey && m.pfn === g.first.pfn + g.npages && m.vaddr === g.first.vaddr + g.npages * 4096) g.npages++;
    else out.push({ first: m, npages: 1 });
    prevKey = key;
  }
  return out;
}

function pfnRange(g: ExplainGroup): string {
  return g.npages === 1 ? `pfn ${hex(g.first.pfn)}` : `pfns ${hex(g.first.pfn)}-${hex(g.first.pfn + g.npages - 1)} (${g.npages} pages; chain of the first)`;
}

/** Wrap at spaces to `WIDTH`, continuation lines indented by `indent`. */
function wrap(text: string, indent: number): string[] {
  const lead = /^ */.exec(text)![0];
  const out: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    if (line.trim() && line.length + 1 + word.length > WIDTH) {
      out.push(line);
      line = ' '.repeat(indent) + word;
    } else line = line.trim() ? `${line} ${word}` : line + word;
  }
  out.push(line);
  return out;
}

function linkText(l: ExplainLink): string {
  return `${l.fn}: ${l.read} -> ${l.result}`;
}

export function explainToText(r: ExplainReport): string {
  const lines: string[] = [];
  lines.push(...wrap(`${r.scenario} under ${r.policy}, at step ${r.step} (${r.call}): ${r.target}`, 2));
  for (const g of groupExplained(r.mappings)) {
    const m = g.first;
    lines.push('');
    lines.push(...wrap(`${m.kind} mapping (${m.owner}) at ${r.showVaddr(m.vaddr)}, ${pfnRange(g)}: ${m.effective}`, 2));
    m.links.forEach((l, i) => {
      const n = `${String(i + 1).padStart(4)}. `;
      lines.push(...wrap(n + linkText(l), n.length + 2));
    });
  }
  return lines.join('\n') + '\n';
}

export function explainToJson(r: ExplainReport): unknown {
  return {
    scenario: r.scenario,
    policy: r.policy,
    step: r.step,
    call: r.call,
    target: r.target,
    mappings: groupExplained(r.mappings).map((g) => ({
      kind: g.first.kind,
      owner: g.first.owner,
      vaddr: r.showVaddr(g.first.vaddr),
      pfn: hex(g.first.pfn),
      npages: g.npages,
      level: g.first.level,
      pte_cache_bits: hex(g.first.bits4k),
      effective: g.first.effective,
      chain: g.first.links,
    })),
  };
}
