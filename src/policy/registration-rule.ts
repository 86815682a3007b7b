/** 3a: override the caller's bits only where a registration exists (spec 06 §3). */
import { CM } from '../hw/cache-mode.js';
import type { CacheModeTables } from '../hw/pte.js';
import { isUntrackedPatRange, type Memtype } from '../kernel/pat/memtype.js';
import { pfnmapLookup, type ProtResult } from '../kernel/pat/pfnmap.js';
import type { Policy } from './policy.js';
import { PAGE_SIZE } from '../hw/page.js';


/**
 * Whether a registration exists for the page: a tree entry, or for RAM
 * tracked in page flags a non-WB flag (WB is both the default and a valid
 * registered type, so it cannot be told apart: spec 06 §3 option 3a).
 */
function hasRegistration(mt: Memtype, paddr: number): boolean {
  if (isUntrackedPatRange(paddr, paddr + PAGE_SIZE)) return false;
  const ram = mt.pagerangeIsRam(paddr, paddr + PAGE_SIZE) !== 0;
  if (ram && mt.config.hooks.ramMemtypeStore !== 'tree') return mt.pages.get(Math.floor(paddr / PAGE_SIZE)) !== CM.WB;
  return mt.tree.firstOverlap(paddr, paddr + PAGE_SIZE - 1) !== 0;
}

/** Hook `pfnmapSetupCachemode`: without a registration the caller's bits stand; with one, the kernel's lookup. */
function overrideOnlyRegistered(mt: Memtype, tables: CacheModeTables, pfn: number, size: number, prot: number): ProtResult {
  if (!hasRegistration(mt, pfn * PAGE_SIZE)) {
    const fn = size === PAGE_SIZE ? 'pfnmap_setup_cachemode_pfn' : 'pfnmap_setup_cachemode';
    mt.log.chain?.push({ fn: `${fn} [design registration-rule]`, read: `no registration for pfn 0x${pfn.toString(16)}`, result: "lookup skipped: caller's prot kept" });
    return { ret: 0, prot };
  }
  return pfnmapLookup(mt, tables, pfn, size, prot);
}

export const registrationRule: Policy = {
  name: 'registration-rule',
  standsFor: 'option 3a',
  title: '3a: override the caller\u2019s bits only where a registration exists (combine with ram-in-tree for RAM)',
  spec: '06 §3 option 3a',
  hooks: { pfnmapSetupCachemode: overrideOnlyRegistered },
};
