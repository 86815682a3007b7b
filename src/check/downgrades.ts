/**
 * Silent downgrades (spec/07 (b) 5, D4; settled in docs/decisions.md): a
 * call that created a mapping succeeded, installed a cache mode other than
 * the one its caller requested, and printed nothing at warning level or above
 * in that step. Classified by direction:
 * - weakened: the installed mode is more cacheable than requested (WC → WB,
 *   UC- → WC): a correctness risk;
 * - strengthened: less cacheable (WC → UC-): a performance risk;
 * - changed: WT ↔ WP;
 * - pat-less: PAT is disabled, so the mode could not be expressed (02 §3.2).
 */

import { cattrName } from '../hw/cache-mode.js';
import type { Kernel } from '../kernel/kernel.js';

export type DowngradeClass = 'weakened' | 'strengthened' | 'changed' | 'pat-less';

export interface Downgrade {
  step: number;
  call: string;
  pfn: number;
  npages: number;
  requested: string;
  installed: string;
  class: DowngradeClass;
}

/** Cacheability rank of a cache mode (UC < UC- < WC < WT = WP < WB). */
const RANK = [5, 2, 1, 0, 3, 3];

export function silentDowngrades(k: Kernel): Downgrade[] {
  const loudSteps = new Set<number>();
  for (const e of k.log.events) if (e.kind === 'printk' && e.level !== 'info' && e.level !== 'debug') loudSteps.add(e.step);
  const out: Downgrade[] = [];
  for (const e of k.log.events) {
    if (e.kind !== 'map' || e.requested === e.installed || loudSteps.has(e.step)) continue;
    const r = RANK[e.requested]!;
    const i = RANK[e.installed]!;
    const cls: DowngradeClass = !k.patEnabled ? 'pat-less' : i > r ? 'weakened' : i < r ? 'strengthened' : 'changed';
    out.push({ step: e.step, call: e.call, pfn: e.pfn, npages: e.npages, requested: cattrName(e.requested), installed: cattrName(e.installed), class: cls });
  }
  return out;
}
