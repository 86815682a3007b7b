/**
 * Refcount hazards (spec 06 §3 option 1 vs the mixture; 05 §5 KVM):
 * - `gup-able`: driver pages mapped to user space through normal
 *   (refcounted) PTEs: GUP and KVM can take references or pins, so the
 *   driver can no longer free or move them at will (Christian's objection to
 *   option 1);
 * - `special-on-refcounted`: pages that have a struct page refcount mapped
 *   through special (non-refcounted) PTEs: nothing stops the owner from
 *   freeing a page user space still maps unless the driver zaps first (the
 *   arrangement TTM relies on);
 * - events the kernel model records itself (`ref-hazard`), e.g. KVM holding a
 *   reference on a page TTM frees.
 */

import type { Kernel } from '../kernel/kernel.js';
import { aliasingMappings, type MappingRun } from './inventory.js';

export interface Hazard {
  kind: string;
  pfn: number;
  npages: number;
  detail: string;
  step?: number;
}

/** `maps`: the run's aliasing mappings if the caller already has them. */
export function refcountHazards(k: Kernel, maps: readonly MappingRun[] = aliasingMappings(k)): Hazard[] {
  const out: Hazard[] = [];
  for (const m of maps) {
    if (m.kind !== 'user') continue;
    if (m.special === false) {
      out.push({ kind: 'gup-able', pfn: m.pfn, npages: m.npages, detail: `${m.owner}: normal PTEs, GUP/KVM can take references`, ...(m.step !== undefined ? { step: m.step } : {}) });
      continue;
    }
    // Special PTEs on pages that have a struct page in use.
    let run = -1;
    for (let i = 0; i <= m.npages; i++) {
      const pfn = m.pfn + i;
      const refd = i < m.npages && pfn < k.pages.nPfns && k.pages.refcount[pfn]! > 0;
      if (refd && run < 0) run = i;
      if (!refd && run >= 0) {
        out.push({ kind: 'special-on-refcounted', pfn: m.pfn + run, npages: i - run, detail: `${m.owner}: special PTEs on refcounted pages`, ...(m.step !== undefined ? { step: m.step } : {}) });
        run = -1;
      }
    }
  }
  for (const e of k.log.events as readonly { kind: string; step: number; pfn?: number; npages?: number; what?: string; holder?: string }[]) {
    if (e.kind !== 'ref-hazard') continue;
    out.push({ kind: e.what ?? 'ref-hazard', pfn: e.pfn ?? 0, npages: e.npages ?? 1, detail: e.holder ?? '', step: e.step });
  }
  return out.sort((a, b) => a.pfn - b.pfn || a.kind.localeCompare(b.kind));
}
