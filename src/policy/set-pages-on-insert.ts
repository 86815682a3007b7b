/**
 * `set_pages_wc()` inside the insert (raised by David, rejected as too costly; spec 06
 * §3, §6): before a `vmf_insert_pfn_prot()` of a RAM pfn whose recorded type
 * differs from the request (hook `vmfInsertPfnCachemode`), record the request (`memtype_reserve` of the
 * page: `reserve_ram_pages_type`) and change the direct map (CPA, lowmem
 * only), as `set_pages_wc/uc` would. The later PAT lookup then yields the
 * requested mode.
 *
 * Model choices (spec/07 (b) 11): highmem pages get the page flag (they are
 * System RAM) but no CPA (no direct map); a page already recorded with
 * another non-WB mode cannot change (`reserve_ram_pages_type` fails with
 * its message) and the insert returns `VM_FAULT_SIGBUS` — including a WB
 * request on a WC page, since `memtype_reserve(WB)` fails the same way.
 * No per-PTE undo exists: the flag stays until someone calls `set_pages_wb`.
 */

import { cacheModeShort, type CacheMode } from '../hw/cache-mode.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { ioremapChangeAttr } from '../kernel/mm/set-memory.js';
import { vmfInsertPfnLookup } from '../kernel/vm/insert-pfn.js';
import { protMode } from '../kernel/vm/pte-write.js';
import type { Policy } from './policy.js';
import { PAGE_SIZE } from '../hw/page.js';


/** Returns false when the conversion failed (the insert must fail). */
function convertPage(k: MmContext, pfn: number, mode: CacheMode): boolean {
  if (!k.patEnabled) return true;
  const paddr = pfn * PAGE_SIZE;
  if (k.memtype.pagerangeIsRam(paddr, paddr + PAGE_SIZE) !== 1) return true;
  if (k.memtype.pages.get(pfn) === mode) return true;
  const r = k.memtype.memtypeReserve(paddr, paddr + PAGE_SIZE, mode, false);
  k.log.chain?.push({ fn: 'memtype_reserve [design set-pages-on-insert]', read: `RAM pfn 0x${pfn.toString(16)} page flag ${cacheModeShort(k.memtype.pages.get(pfn) as CacheMode)}`, result: r.ret ? `failed ${r.ret}: insert fails` : `page flag set to ${cacheModeShort(mode)}` });
  if (r.ret) return false;
  if (pfn < k.layout.directMapEndPfn && k.directMap.hasLeaf(pfn)) {
    if (ioremapChangeAttr(k, k.directMap.va(pfn), PAGE_SIZE, mode) < 0) {
      k.memtype.memtypeFree(paddr, paddr + PAGE_SIZE);
      return false;
    }
  }
  return true;
}

/** Hook `vmfInsertPfnCachemode`: convert the page, then the kernel's lookup (which now yields the request). */
function convertThenLookup(k: MmContext, pfn: number, prot: number, call: string): number | null {
  if (!convertPage(k, pfn, protMode(k, prot))) return null;
  return vmfInsertPfnLookup(k, pfn, prot, call);
}

export const setPagesOnInsert: Policy = {
  name: 'set-pages-on-insert',
  standsFor: 'set_pages_wc() inside the insert',
  title: 'convert the page flag and direct map inside the insert (memtype_reserve + CPA per new page)',
  spec: '06 §3 set_pages on insert',
  hooks: { vmfInsertPfnCachemode: convertThenLookup },
};
