/**
 * The hook points where the designs of the Aug 2025 debate change the
 * kernel (spec 06 §3, §6; spec/07 (b) 11), as typed strategies. Each hook
 * sits at one kernel function; when a hook is absent the kernel runs its
 * own code there (the function named in the hook's comment, in the kernel
 * layer), which is today's kernel. A design (src/policy/<name>.ts) supplies
 * implementations for some hooks, importing the kernel functions it needs.
 *
 * Choices that exclude each other are one hook: two designs that both set a
 * hook cannot be composed (src/policy/registry.ts refuses them), unless they
 * supply the very same implementation (the debug checks two options share).
 *
 * The kernel layer owns this interface so it never imports a policy; only
 * type imports here, so no module cycle at run time.
 */

import type { CacheMode } from '../hw/cache-mode.js';
import type { CacheModeTables } from '../hw/pte.js';
import type { MmContext } from './mm/mm-context.js';
import type { Memtype } from './pat/memtype.js';
import type { ProtResult } from './pat/pfnmap.js';
import type { TtmBo } from './drivers/ttm/bo.js';
import type { TtmFaultResult } from './drivers/ttm/fault.js';
import type { VmFault } from './vm/fault.js';
import type { Vma } from './vm/vma.js';

/** How TTM's fault handler inserts the prefault window (`ttm_bo_vm_fault_reserved`'s loop). */
export interface TtmFaultInsertHook {
  /**
   * Fill PTEs from `pageOffset` (the BO page of `address`) for up to
   * `numPrefault` pages, not past `pageLast`, with TTM's `prot`. The
   * kernel's own: `vmf_insert_pfn_prot` page by page (drivers/ttm/fault.ts).
   */
  insert(k: MmContext, vma: Vma, bo: TtmBo, address: number, pageOffset: number, pageLast: number, prot: number, numPrefault: number, res: TtmFaultResult): TtmFaultResult;
  /** The fault when populating the tt failed with `ret` (the kernel's own: `pr_debug` + SIGBUS). */
  populateFailed?(k: MmContext, ret: number): VmFault | null;
  /** `ttm_bo_mmap_obj` makes system-memory VMAs `VM_MIXEDMAP` instead of `VM_PFNMAP` (page-based inserts need it). */
  mixedmap?: boolean;
  /** Whether iomem BOs use it too (false: they keep the PFN insert). */
  iomem?: boolean;
}

/** How TTM changes the kernel's caching of its pages (ttm_pool.c; spec 05 §3). */
export interface TtmCachingHook {
  /** Whether TTM keeps WC/UC pools and calls `set_pages_array_*`/`set_pages_wb`; false: `drm_clflush_pages` instead. */
  changesCaching(k: MmContext): boolean;
  /** Whether a fresh highmem page counts as already having the tt's caching (today's quirk: true). */
  highmemConsistent: boolean;
}

/** `set_pages_array_*` (arch/x86/mm/pat/set_memory.c; spec 03 §3). */
export interface SetPagesArrayHook {
  /** `_set_pages_array(pages, n, mode)`: 0 or -EINVAL. */
  set(k: MmContext, caller: string, pages: ArrayLike<number>, mode: CacheMode): number;
  /** `set_pages_array_wb(pages, n)`: 0 or the CPA's error. */
  wb(k: MmContext, pages: ArrayLike<number>): number;
}

export interface KernelHooks {
  /**
   * `pfnmap_setup_cachemode(pfn, size, &prot)`: how a PFN mapping's prot is
   * settled from PAT's record. The kernel's own: `pfnmapSetupCachemode`
   * (pat/pfnmap.ts), the lookup overriding the caller. 3a keeps the
   * caller's bits where no registration exists.
   */
  pfnmapSetupCachemode?: (mt: Memtype, tables: CacheModeTables, pfn: number, size: number, prot: number) => ProtResult;
  /**
   * `pgprot_set_cachemode(prot, pcm)` as PAT's hooks use it, for every
   * caller of the helper. The kernel's own: `pgprotSetCachemode`
   * (pat/pfnmap.ts). 3b leaves WB alone.
   */
  pgprotSetCachemode?: (mt: Memtype, tables: CacheModeTables, prot: number, pcm: CacheMode) => number;
  /**
   * Where RAM memtypes are kept: the kernel's own is page flags (since
   * 9542ada8); 'tree' is the memtype tree, as before it (3c). Both paths are
   * kernel code (pat/memtype.ts), so the hook is a choice, not a function.
   */
  ramMemtypeStore?: 'tree';
  /**
   * `vmf_insert_pfn_prot(_mkwrite)`'s cache decision (spec 04 §4 step 7):
   * the prot to install, or null to fail the insert with SIGBUS. The
   * kernel's own: `pfnmap_setup_cachemode_pfn` (vm/insert-pfn.ts).
   * Christian's fix keeps the caller's bits; set-pages-on-insert converts
   * the page first. `vmf_insert_pfn`/`vmf_insert_mixed` never use it.
   */
  vmfInsertPfnCachemode?: (k: MmContext, pfn: number, prot: number, call: string) => number | null;
  /** How TTM's fault inserts (option 1, option 2, the mixture, RFC 1/3). */
  ttmFaultInsert?: TtmFaultInsertHook;
  /** `TTM_BO_VM_NUM_PREFAULT` on this machine (the kernel's own: 16; RFC 2/3: a PMD's pages). */
  ttmNumPrefault?: (k: MmContext) => number;
  /** How TTM changes caching (RFC 3/3 and the WIP skip it; the highmem design also covers highmem). */
  ttmCaching?: TtmCachingHook;
  /**
   * `_set_pages_array()` (behind `set_pages_array_wc/uc/wt`) and
   * `set_pages_array_wb()`. The kernel's own (mm/set-memory.ts
   * `setPagesArrayKernel`, `setPagesArrayWbKernel`) records the memtype of
   * lowmem pages only and hands every page to the pages-mode CPA.
   */
  setPagesArray?: SetPagesArrayHook;
  /**
   * The debug-kernel checks the options propose (spec 06 §3), run where a
   * design installs the caller's bits without the PAT lookup: WARNs, and
   * false when `requireRam` and a pfn is not RAM (the insert is refused).
   */
  debugChecks?: (k: MmContext, fn: string, pfns: ArrayLike<number>, mode: CacheMode, requireRam: boolean) => boolean;
  /** Kernel calls the designs in force add (their names): a scenario may call them only then. */
  calls?: ReadonlySet<string>;
}

/** Today's kernel: no hook set. */
export const BASELINE_HOOKS: Readonly<KernelHooks> = Object.freeze({});

/** Every hook point and the kernel function it sits in (where its default, the kernel's own code, lives). */
export const HOOK_POINTS: Readonly<Record<keyof Omit<KernelHooks, 'calls'>, string>> = Object.freeze({
  pfnmapSetupCachemode: 'pfnmap_setup_cachemode (kernel/pat/pfnmap.ts pfnmapLookup)',
  pgprotSetCachemode: 'pgprot_set_cachemode (kernel/pat/pfnmap.ts pgprotSetCachemodeKernel)',
  ramMemtypeStore: 'memtype_reserve/memtype_free/lookup_memtype on RAM (kernel/pat/memtype.ts)',
  vmfInsertPfnCachemode: 'vmf_insert_pfn_prot step 7 (kernel/vm/insert-pfn.ts vmfInsertPfnLookup)',
  ttmFaultInsert: 'ttm_bo_vm_fault_reserved insert loop (kernel/drivers/ttm/fault.ts ttmFaultPfnLoop)',
  ttmNumPrefault: 'TTM_BO_VM_NUM_PREFAULT (kernel/drivers/ttm/fault.ts ttmBoVmNumPrefault)',
  ttmCaching: 'ttm_pool caching changes (kernel/drivers/ttm/pool.ts)',
  setPagesArray: '_set_pages_array / set_pages_array_wb (kernel/mm/set-memory.ts setPagesArrayKernel, setPagesArrayWbKernel)',
  debugChecks: 'debug-kernel checks where the caller\u2019s bits go in unchecked (none in the kernel)',
});
