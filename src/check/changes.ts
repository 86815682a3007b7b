/**
 * Changed pages (docs/checks.md §3; spec/07 (b) 5, D4): a call that did not
 * fail installed or returned a cache mode other than the one its caller
 * asked for — `vmf_insert_*`, `remap_pfn_range`, `memremap` handing back the
 * direct map, `ioremap_*` handed another type, `io_mapping`,
 * `kmap_local_page_prot`, TTM's caching. The kernel's `map` events carry
 * both modes. Classified by direction:
 * - weaker: the installed mode is more cacheable than requested (WC → WB,
 *   UC- → WC): a correctness risk;
 * - stronger: less cacheable (WC → UC-): a performance risk;
 * - other: WT ↔ WP.
 * `patLess`: PAT is disabled, so the mode could not be expressed (02 §3.2).
 * `loud`: the kernel printed a warning in that step (the caller is still
 * not told: the call succeeded).
 */

import { cattrName } from '../hw/cache-mode.js';
import type { KernelEvent } from '../kernel/events.js';
import { countPages } from './timeline.js';

export type ChangeClass = 'weaker' | 'stronger' | 'other';

export interface ModeChange {
  step: number;
  call: string;
  pfn: number;
  npages: number;
  requested: string;
  installed: string;
  class: ChangeClass;
  patLess: boolean;
  loud: boolean;
}

export interface ChangeReport {
  changes: ModeChange[];
  /** Distinct pfns some successful call mapped with another mode than asked. */
  pages: number;
  /** Of those, the pfns with a weaker (more cacheable) mode. */
  pagesWeaker: number;
}

/** Cacheability rank of a cache mode (UC < UC- < WC < WT = WP < WB). */
const RANK = [5, 2, 1, 0, 3, 3];

export function modeChanges(events: readonly KernelEvent[], failedSteps: ReadonlySet<number>, patEnabled: boolean): ChangeReport {
  const loudSteps = new Set<number>();
  for (let ei = 0; ei < events.length; ei++) {
    const e = events[ei]!;
    if (e.kind === 'printk' && e.level !== 'info' && e.level !== 'debug') loudSteps.add(e.step);
  }
  const changes: ModeChange[] = [];
  for (let ei = 0; ei < events.length; ei++) {
    const e = events[ei]!;
    if (e.kind !== 'map' || e.step === 0 || e.requested === e.installed || failedSteps.has(e.step)) continue;
    const r = RANK[e.requested]!;
    const i = RANK[e.installed]!;
    const cls: ChangeClass = i > r ? 'weaker' : i < r ? 'stronger' : 'other';
    // One change per call: a run of calls logged as one event (`each`) is as many changes.
    const each = e.each ?? e.npages;
    for (let pfn = e.pfn; pfn < e.pfn + e.npages; pfn += each)
      changes.push({ step: e.step, call: e.call, pfn, npages: each, requested: cattrName(e.requested), installed: cattrName(e.installed), class: cls, patLess: !patEnabled, loud: loudSteps.has(e.step) });
  }
  return {
    changes,
    pages: countPages(changes.map((c) => [c.pfn, c.npages])),
    pagesWeaker: countPages(changes.filter((c) => c.class === 'weaker').map((c) => [c.pfn, c.npages])),
  };
}
