/**
 * `patlab explore` as text (docs/explore.md §6): one row per design with its
 * search figures and, per invariant, the length of its shortest
 * counterexample or `holds`; then every counterexample as numbered kernel
 * calls with the violating step marked.
 */

import type { DesignExplore } from '../../run/explore/explore.js';
import type { InvariantName } from '../../run/explore/invariants.js';
import { outText } from './out-value.js';

export interface ExploreReport {
  vocabulary: string;
  machine: string;
  calls: number;
  depth: number;
  maxStates: number;
  invariants: readonly InvariantName[];
  designs: DesignExplore[];
  /** Where each counterexample was written, by `design|invariant`. */
  written?: Map<string, string>;
}

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((x, c) => (c === r.length - 1 ? x : x.padEnd(w[c]!))).join('  ').trimEnd());
}

export function exploreToText(r: ExploreReport): string {
  const out: string[] = [];
  out.push(`== Explore: vocabulary ${r.vocabulary} (${r.calls} calls) on ${r.machine}, depth ${r.depth}, at most ${r.maxStates} states per design`);
  const head = ['design', 'states', 'runs', 'dup', 'pruned', 'depth', ...r.invariants];
  const rows = [head];
  for (const d of r.designs)
    rows.push([
      d.policy,
      String(d.states),
      String(d.runs),
      String(d.duplicates),
      String(d.pruned),
      d.cut ? `${d.depth} (cut)` : String(d.depth),
      ...d.results.map((x) => (x.status === 'violated' ? `FAILS@${x.counterexample!.steps.length}` : 'holds')),
    ]);
  out.push(...table(rows).map((l) => `   ${l}`));
  out.push('');
  out.push('FAILS@N: the shortest sequence that breaks the invariant has N calls (shown below); holds: no sequence');
  out.push('up to the depth searched breaks it (that many distinct states). states = distinct kernel states reached');
  out.push('(booted one included), runs = call sequences run, dup = sequences that reached a state already seen,');
  out.push("pruned = sequences the model or the design does not cover. Definitions: docs/explore.md.");
  for (const d of r.designs) {
    for (const x of d.results) {
      if (x.status === 'holds') continue;
      const cx = x.counterexample!;
      out.push('');
      out.push(`-- ${d.policy}: ${x.invariant} fails at step ${cx.step} of ${cx.steps.length}`);
      cx.steps.forEach((s, i) => {
        const mark = i + 1 === cx.step ? '>' : ' ';
        const res = s.fatal ? 'fatal' : [s.ret, s.fields['fault'] !== undefined ? outText(s.fields['fault']) : undefined].filter((v) => v !== undefined).join(' ');
        out.push(` ${mark} ${String(i + 1).padStart(2)}. ${s.call}(${s.args.map(([k, v]) => `${k}: ${v}`).join(', ')})${s.as ? ` as ${s.as}` : ''}${res ? ` → ${res}` : ''}`);
      });
      out.push(`      ${cx.detail}`);
      const file = r.written?.get(`${d.policy}|${x.invariant}`);
      if (file) out.push(`      scenario: ${file} (patlab run ${file} --policy ${d.policy})`);
    }
  }
  const holds = r.designs.flatMap((d) => d.results.filter((x) => x.status === 'holds').map((x) => `${d.policy} ${x.invariant}`));
  if (holds.length) {
    out.push('');
    for (const d of r.designs) {
      const h = d.results.filter((x) => x.status === 'holds').map((x) => x.invariant);
      if (h.length) out.push(`   ${d.policy}: ${h.join(', ')} hold${h.length === 1 ? 's' : ''} up to depth ${d.depth}${d.cut ? ' (the state budget ran out before the next depth)' : ''} (${d.states} distinct states)`);
    }
  }
  return out.join('\n') + '\n';
}
