/**
 * Kernel versions as sets of named behaviour flags (spec/07 (b) 1).
 *
 * Behaviour that changed between releases is a flag; a version preset is a
 * set of flags. `mainline` is v6.16+ (the goldens); `6.1` is Debian 12's
 * kernel. docs/kernel-versions.md gives the source read for each flag.
 */

export interface KernelFlags {
  /**
   * `memtype_erase()` also accepts the first *end match* (entry.start < start,
   * entry.end == end) and shrinks that entry to [entry.start, start) by
   * removing and re-inserting it (the mremap shrink). Removed in v6.16 by
   * "x86/mm/pat: remove MEMTYPE_*_MATCH" (David Hildenbrand's pfnmap
   * tracking rework, mm: rewrite pfnmap tracking and remove VM_PAT).
   * Spec 02 §9.4, FORMAT §4 free, spec/07 C1.
   */
  memtypeEraseEndMatch: boolean;
  /**
   * `mtrr_type_lookup()` uses the pre-v6.5 algorithm (fixed ranges consulted
   * for a range starting below 1 MiB, per-lookup variable-range matching,
   * `MTRR_TYPE_INVALID` when MTRRs are disabled or absent). Replaced in v6.5
   * by Juergen Gross's MTRR rework ("x86/mtrr: construct a memory map with
   * cache modes", "x86/mtrr: use new cache_map in mtrr_type_lookup()").
   * Spec 02 §4, §5.3.
   */
  mtrrLegacyLookup: boolean;
  /**
   * User-mapping PAT hooks are `track_pfn_remap`/`track_pfn_insert`/
   * `track_pfn_copy`/`untrack_pfn` with `VM_PAT`, instead of
   * `pfnmap_track`/`pfnmap_setup_cachemode`/`pfnmap_untrack` with a pfnmap
   * tracking context. Changed in v6.16 by "mm: rewrite pfnmap tracking and
   * remove VM_PAT". Spec 04 §12.
   */
  legacyTrackPfn: boolean;
  /**
   * PAT initialisation is driven by the MTRR code: `mtrr_bp_init()` calls
   * `pat_init()` only when MTRRs are enabled, otherwise prints `Disabled` and
   * `x86/PAT: MTRRs disabled, skipping PAT initialization too.`; the
   * Configuration line then comes from `init_cache_modes()` with the
   * firmware's MSR, and `pat_enabled()` is `pat_bp_enabled` (set there too
   * under a hypervisor unless `nopat`). Removed in v6.2 by adfe7512e1d0
   * "x86: Decouple PAT and MTRR handling" (Juergen Gross). Spec 02 §2.5,
   * docs/kernel-versions.md §6.
   */
  patInitFromMtrr: boolean;
  /**
   * `set_pages_array_wt()` exists. Removed in v5.18 by 4509d950a676 "x86/pat:
   * Remove the unused set_pages_array_wt() function" (tip x86/cleanups,
   * Feb 2022), so false in every preset, 6.1 included; `set_memory_wt` and
   * `set_memory_array_*` went in v5.4 and x86 never had `set_pages_wc`.
   * Spec 03 §3 "Absent in 2025 kernels".
   */
  setPagesArrayWt: boolean;
  /**
   * `__vm_insert_mixed()` starts with `BUG_ON(!vm_mixed_ok(vma, pfn))`: a
   * VMA that is neither `VM_MIXEDMAP` nor given a special/devmap/zero pfn is a
   * BUG, before the address check. From v6.10 ("mm/memory: cleanly support
   * zeropage in vm_insert_page*(), vm_map_pages*() and vmf_insert_mixed()",
   * David Hildenbrand) it is `VM_FAULT_SIGBUS`. Read in Debian's 6.1.192
   * and 6.12.118 mm/memory.c (docs/decisions.md V1).
   */
  vmMixedOkBug: boolean;
  /**
   * `vm_insert_page()` checks `page_count(page)` (-EINVAL) itself, before
   * the `VM_MIXEDMAP` step and its `BUG_ON(vma->vm_flags & VM_PFNMAP)`. From
   * v6.10 ("mm/memory: move page_count() check into
   * validate_page_before_insert()") the check is in `insert_page()`, after
   * the BUG_ON. Same sources (docs/decisions.md V2).
   */
  insertPageCountFirst: boolean;
  /**
   * `ttm_bo_vm_fault_reserved()` answers `VM_FAULT_OOM` for any
   * `ttm_tt_populate()` failure, without a message. From "drm/ttm: Make the
   * call to ttm_tt_populate() interruptible when faulting" (Thomas
   * Hellström, v6.4) -EINTR/-ERESTARTSYS/-EAGAIN are `VM_FAULT_NOPAGE`, the
   * rest `pr_debug("TTM fault hit %pe.")` and `VM_FAULT_SIGBUS`. Read in
   * Debian's 6.1.192 and 6.12.118 ttm_bo_vm.c (docs/decisions.md V3).
   */
  ttmPopulateFailOom: boolean;
  /**
   * KVM takes no reference on the pages of a `VM_PFNMAP` mapping
   * (`hva_to_pfn_remapped`), and has the `allow_unsafe_mappings` module
   * parameter without which it refuses to pin one (`__kvm_vcpu_map`): v6.13,
   * Sean Christopherson's "KVM: Stop grabbing references to PFNMAP'd pages,
   * overhaul usage of struct page". Before, `kvm_try_get_pfn` took a
   * reference on a refcounted page and the parameter does not exist (absent
   * from Debian's 6.1.192 and 6.12.118 virt/kvm; docs/decisions.md V4).
   */
  kvmPfnmapNoRef: boolean;
}

export const KERNEL_PRESETS = {
  mainline: { memtypeEraseEndMatch: false, mtrrLegacyLookup: false, legacyTrackPfn: false, patInitFromMtrr: false, setPagesArrayWt: false, vmMixedOkBug: false, insertPageCountFirst: false, ttmPopulateFailOom: false, kvmPfnmapNoRef: true },
  '6.12': { memtypeEraseEndMatch: true, mtrrLegacyLookup: false, legacyTrackPfn: true, patInitFromMtrr: false, setPagesArrayWt: false, vmMixedOkBug: false, insertPageCountFirst: false, ttmPopulateFailOom: false, kvmPfnmapNoRef: false },
  '6.6': { memtypeEraseEndMatch: true, mtrrLegacyLookup: false, legacyTrackPfn: true, patInitFromMtrr: false, setPagesArrayWt: false, vmMixedOkBug: true, insertPageCountFirst: true, ttmPopulateFailOom: false, kvmPfnmapNoRef: false },
  '6.1': { memtypeEraseEndMatch: true, mtrrLegacyLookup: true, legacyTrackPfn: true, patInitFromMtrr: true, setPagesArrayWt: false, vmMixedOkBug: true, insertPageCountFirst: true, ttmPopulateFailOom: true, kvmPfnmapNoRef: false },
} as const satisfies Record<string, KernelFlags>;

export type KernelVersionName = keyof typeof KERNEL_PRESETS;

export function isKernelVersionName(s: string): s is KernelVersionName {
  return Object.prototype.hasOwnProperty.call(KERNEL_PRESETS, s);
}

export function kernelFlags(v: KernelVersionName): KernelFlags {
  return { ...KERNEL_PRESETS[v] };
}
