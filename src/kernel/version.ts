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
}

export const KERNEL_PRESETS = {
  mainline: { memtypeEraseEndMatch: false, mtrrLegacyLookup: false, legacyTrackPfn: false, patInitFromMtrr: false, setPagesArrayWt: false },
  '6.12': { memtypeEraseEndMatch: true, mtrrLegacyLookup: false, legacyTrackPfn: true, patInitFromMtrr: false, setPagesArrayWt: false },
  '6.6': { memtypeEraseEndMatch: true, mtrrLegacyLookup: false, legacyTrackPfn: true, patInitFromMtrr: false, setPagesArrayWt: false },
  '6.1': { memtypeEraseEndMatch: true, mtrrLegacyLookup: true, legacyTrackPfn: true, patInitFromMtrr: true, setPagesArrayWt: false },
} as const satisfies Record<string, KernelFlags>;

export type KernelVersionName = keyof typeof KERNEL_PRESETS;

export function isKernelVersionName(s: string): s is KernelVersionName {
  return Object.prototype.hasOwnProperty.call(KERNEL_PRESETS, s);
}

export function kernelFlags(v: KernelVersionName): KernelFlags {
  return { ...KERNEL_PRESETS[v] };
}
