/**
 * The named hook points where the designs of the Aug 2025 debate change the
 * kernel (spec 06 §3, §6; spec/07 (b) 11). Kernel code reads `k.hooks` at
 * exactly these points; a policy (src/policy) is a small object that sets
 * some of them. `BASELINE_HOOKS` is today's kernel.
 *
 * The kernel layer owns this interface so it never imports a policy; the
 * policy layer only fills it in.
 */

export interface KernelHooks {
  /**
   * `vmf_insert_pfn_prot` (and `_mkwrite`) installs the caller's cache bits
   * instead of the PAT lookup (`pfnmap_setup_cachemode_pfn` is skipped):
   * Christian's fix. `vmf_insert_pfn`/`vmf_insert_mixed` keep the lookup.
   */
  insertHonoursProt: boolean;
  /**
   * `pfnmap_setup_cachemode` overrides the caller's bits only when a
   * registration exists for the pfn (3a). For RAM a registration is a tree
   * entry (needs `ramInTree`) or, without it, a non-WB page flag.
   */
  registrationRule: boolean;
  /** `pgprot_set_cachemode` is a no-op when the mode is WB (3b): affects every caller of the helper. */
  setupSkipsWB: boolean;
  /** RAM memtypes are tree entries (one per page) instead of page flags (3c, reverting 9542ada8). */
  ramInTree: boolean;
  /**
   * On an insert of a RAM pfn whose recorded type differs from the request:
   * `memtype_reserve` + CPA of the direct map first (set_pages_wc/uc inside
   * the insert; raised by David, rejected as too costly).
   */
  setPagesOnInsert: boolean;
  /** The new page-based insert with an explicit prot exists (option 1): `vm_insert_pages_pgprot`. */
  pagesPgprotApi: boolean;
  /** The mixture: pages in, non-refcounted special PTEs with the caller's prot in a VM_PFNMAP VMA: `vmf_insert_pages_pfnmap_prot`. */
  pagesIntoPfnmap: boolean;
  /** Option 2: a RAM-only PFN insert without the PAT lookup: `vmf_insert_ram_pfn_prot`. */
  ramOnlyPfnApi: boolean;
  /**
   * The debug-kernel checks the options propose, reported as WARNs (spec 06
   * §3): RAM-ness of the pfn, direct-map mode and page flag vs the request,
   * `lookup_memtype` vs the request for non-RAM.
   */
  debugPatChecks: boolean;
  /** TTM's fault handler fills PTEs with one `apply_to_page_range` (RFC 1/3). */
  ttmApplyToPageRange: boolean;
  /** `TTM_BO_VM_NUM_PREFAULT` = pages per PMD (512) instead of 16 (RFC 2/3). */
  ttmPrefaultPmd: boolean;
  /**
   * TTM stops changing global caching (RFC 3/3 / the Aug-6 WIP): no WC/UC
   * pools, `drm_clflush_pages` instead of `set_pages_array_*`, no
   * `set_pages_wb` on free. 'amd-clflush' = RFC 3/3's condition (AMD CPU with
   * CLFLUSH); 'x86-64' = the WIP's (every x86-64).
   */
  ttmSkipCachingAdjustment: false | 'amd-clflush' | 'x86-64';
}

/** Today's kernel. */
export const BASELINE_HOOKS: Readonly<KernelHooks> = Object.freeze({
  insertHonoursProt: false,
  registrationRule: false,
  setupSkipsWB: false,
  ramInTree: false,
  setPagesOnInsert: false,
  pagesPgprotApi: false,
  pagesIntoPfnmap: false,
  ramOnlyPfnApi: false,
  debugPatChecks: false,
  ttmApplyToPageRange: false,
  ttmPrefaultPmd: false,
  ttmSkipCachingAdjustment: false,
});
