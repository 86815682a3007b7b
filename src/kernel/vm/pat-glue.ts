/**
 * The PAT hooks user mappings call, in one place (spec 04 §1, §12): the
 * v6.16+ `pfnmap_*` functions of kernel/pat/pfnmap.ts and the ≤ v6.15
 * `track_pfn_*`/`untrack_pfn` behaviour built on the same core. The
 * pat-level hook points (pfnmapSetupCachemode, pgprotSetCachemode, ramMemtypeStore) sit
 * inside kernel/pat; this file only forwards.
 */

import type { KernelContext } from '../context.js';
import type { CacheMode } from '../../hw/cache-mode.js';
import { pfnmapSetupCachemode, pfnmapSetupCachemodePfn, pfnmapTrack, pfnmapUntrack, pgprotSetCachemode, reservePfnRange, freePfnRange, type ProtResult } from '../pat/pfnmap.js';
import { EINVAL } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { isCowMapping, VM_PAT } from './flags.js';
import { warnOnOnce } from './bug.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/** `pfnmap_setup_cachemode(pfn, size, &prot)` (spec 04 §1.2); ≤ v6.15 the partial branch of `track_pfn_remap`. */
export function setupCachemode(k: KernelContext, pfn: number, size: number, prot: number): ProtResult {
  return pfnmapSetupCachemode(k.memtype, k.tables, pfn, size, prot);
}

/** `pfnmap_setup_cachemode_pfn(pfn, &prot)` (spec 04 §1; ≤ v6.15 `track_pfn_insert`). */
export function setupCachemodePfn(k: KernelContext, pfn: number, prot: number): number {
  return pfnmapSetupCachemodePfn(k.memtype, k.tables, pfn, prot);
}

/** `pfnmap_track(pfn, size, &prot)` = `reserve_pfn_range(strict_prot=0)` (spec 04 §1.3). */
export function track(k: KernelContext, pfn: number, size: number, prot: number): ProtResult {
  return pfnmapTrack(k.memtype, k.tables, pfn, size, prot);
}

/** `pfnmap_untrack(pfn, size)` = `free_pfn_range` (spec 04 §1.4). */
export function untrack(k: KernelContext, pfn: number, size: number): void {
  pfnmapUntrack(k.memtype, pfn, size);
}

/** ≤ v6.15 `reserve_pfn_range(paddr, size, prot, strict_prot=1)`: the fork copy (spec 04 §12). */
export function reserveStrict(k: KernelContext, paddr: number, size: number, prot: number): ProtResult {
  return reservePfnRange(k.memtype, k.tables, paddr, size, prot, true);
}

/**
 * ≤ v6.15 `get_pat_info(vma, &paddr, &prot)` (spec 04 §12): the pfn and
 * prot of the VMA's *current* first PTE; without one, a COW mapping falls
 * back to `vm_pgoff` (and fails if the prot is needed); anything else is a
 * WARN_ON_ONCE and -EINVAL.
 */
export function getPatInfo(k: MmContext, vma: Vma, needProt: boolean): { ret: number; paddr: number; prot: number } {
  const first = vma.ptes.n > 0 ? vma.ptes.entry(0) : null;
  if (first) return { ret: 0, paddr: first.pfn * PAGE_SIZE, prot: first.bits };
  if (isCowMapping(vma.flags)) {
    if (needProt) return { ret: -EINVAL, paddr: 0, prot: 0 };
    return { ret: 0, paddr: vma.pgoff * PAGE_SIZE, prot: 0 };
  }
  warnOnOnce(k, 'get_pat_info');
  return { ret: -EINVAL, paddr: 0, prot: 0 };
}

/**
 * ≤ v6.15 `untrack_pfn(vma, pfn, size)` (spec 04 §12): only for `VM_PAT`
 * VMAs; `pfn == 0 && size == 0` means "derive the range from the VMA's
 * first PTE and its current size" — after a split that names a range no
 * entry matches. Clears `VM_PAT`.
 */
export function untrackPfnLegacy(k: MmContext, vma: Vma, pfn: number, size: number): void {
  if (!(vma.flags & VM_PAT)) return;
  let paddr = pfn * PAGE_SIZE;
  let sz = size;
  if (paddr === 0 && sz === 0) {
    const info = getPatInfo(k, vma, false);
    if (info.ret) return;
    paddr = info.paddr;
    sz = vma.end - vma.start;
  }
  freePfnRange(k.memtype, paddr, sz);
  vma.flags &= ~VM_PAT;
}

/** ≤ v6.15 whole-VMA branch of `track_pfn_remap`: `reserve_pfn_range(strict_prot=0)`. */
export function reservePfnRangeLegacyFull(k: KernelContext, pfn: number, size: number, prot: number): ProtResult {
  return reservePfnRange(k.memtype, k.tables, pfn * PAGE_SIZE, size, prot, false);
}

/** `pgprot_set_cachemode(prot, mode)` as PAT code uses it (the 3b hook `setupSkipsWB` makes WB a no-op; spec 06 §3). */
export function patSetCachemode(k: KernelContext, prot: number, mode: CacheMode): number {
  return pgprotSetCachemode(k.memtype, k.tables, prot, mode);
}
