/**
 * What `patlab compare --explore FILE.json` cites from an explore result
 * (docs/explore.md §7): per design, each invariant's verdict — the length
 * of its shortest counterexample, or the depth and state count up to which
 * it holds — so the bottom line can say "no conflicting alias up to depth 6,
 * 2 927 states".
 */

import type { DesignExplore } from './explore.js';
import type { InvariantName } from './invariants.js';

export interface ExploreCitation {
  vocabulary: string;
  machine: string;
  depth: number;
  designs: {
    policy: string;
    states: number;
    depth: number;
    cut: boolean;
    invariants: { invariant: InvariantName; status: 'violated' | 'holds'; calls?: number; detail?: string }[];
  }[];
}

export function citationOf(r: { vocabulary: string; machine: string; depth: number; designs: readonly DesignExplore[] }): ExploreCitation {
  return {
    vocabulary: r.vocabulary,
    machine: r.machine,
    depth: r.depth,
    designs: r.designs.map((d) => ({
      policy: d.policy,
      states: d.states,
      depth: d.depth,
      cut: d.cut,
      invariants: d.results.map((x) =>
        x.counterexample ? { invariant: x.invariant, status: x.status, calls: x.counterexample.steps.length, detail: x.counterexample.detail } : { invariant: x.invariant, status: x.status },
      ),
    })),
  };
}
