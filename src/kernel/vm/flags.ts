/**
 * VMA flags, user PTE bits and `vm_get_page_prot()` (include/linux/mm.h,
 * arch/x86/include/asm/pgtable_types.h; spec 04 §0, §8).
 *
 * Flag values are the model's own (bit positions differ from the kernel's
 * `VM_*` numbering, which nothing here prints); names are the kernel's.
 */

export const VM_READ = 1 << 0;
export const VM_WRITE = 1 << 1;
export const VM_SHARED = 1 << 3;
export const VM_MAYREAD = 1 << 4;
export const VM_MAYWRITE = 1 << 5;
export const VM_MAYSHARE = 1 << 7;
export const VM_PFNMAP = 1 << 10;
export const VM_IO = 1 << 14;
export const VM_DONTCOPY = 1 << 17;
export const VM_DONTEXPAND = 1 << 18;
export const VM_MIXEDMAP = 1 << 28;
export const VM_DONTDUMP = 1 << 26;
/** ≤ v6.15 only: the VMA holds a whole-VMA PAT reservation (`track_pfn_remap`; spec 04 §12). */
export const VM_PAT = 1 << 29;

/** `VMA_REMAP_FLAGS`: what `remap_pfn_range` sets (spec 04 §3 prepare step 3). */
export const VMA_REMAP_FLAGS = VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
/** `VM_COPY_ON_FORK` ⊇ {PFNMAP, MIXEDMAP}: page tables always copied at fork (spec 04 §0, §8). */
export const VM_COPY_ON_FORK = VM_PFNMAP | VM_MIXEDMAP;
/** `VM_SPECIAL`: such VMAs are never merged or expanded. */
export const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

const NAMES: [number, string][] = [
  [VM_READ, 'VM_READ'],
  [VM_WRITE, 'VM_WRITE'],
  [VM_SHARED, 'VM_SHARED'],
  [VM_MAYREAD, 'VM_MAYREAD'],
  [VM_MAYWRITE, 'VM_MAYWRITE'],
  [VM_MAYSHARE, 'VM_MAYSHARE'],
  [VM_PFNMAP, 'VM_PFNMAP'],
  [VM_IO, 'VM_IO'],
  [VM_DONTCOPY, 'VM_DONTCOPY'],
  [VM_DONTEXPAND, 'VM_DONTEXPAND'],
  [VM_MIXEDMAP, 'VM_MIXEDMAP'],
  [VM_DONTDUMP, 'VM_DONTDUMP'],
  [VM_PAT, 'VM_PAT'],
];

/** `VM_A|VM_B` for display. */
export function vmFlagNames(flags: number): string {
  return NAMES.filter(([b]) => flags & b)
    .map(([, n]) => n)
    .join('|');
}

/** `is_cow_mapping(flags)`: may become writable, but private (spec 04 §0). */
export function isCowMapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

// ---- user PTE bits (4 KiB layout; large leaves are stored in this layout too) ----
export const _PAGE_PRESENT = 0x1;
export const _PAGE_RW = 0x2;
export const _PAGE_USER = 0x4;
export const _PAGE_ACCESSED = 0x20;
export const _PAGE_DIRTY = 0x40;
/** `_PAGE_PROTNONE` (= the global bit, bit 8) on a non-present PROT_NONE entry. */
export const _PAGE_PROTNONE = 0x100;
/** `_PAGE_SPECIAL` (software bit 9): no `struct page` behind it for refcount/rmap (spec 04 §0, §2). */
export const _PAGE_SPECIAL = 0x200;

/**
 * `vm_get_page_prot(flags)` (x86 `protection_map`): WB (no cache bits),
 * user, accessed; writable only for shared writable mappings (private
 * writable ones are COW, read-only until a write fault). NX is not
 * representable in the model's bit values and is left out.
 */
export function vmGetPageProt(flags: number): number {
  if (!(flags & (VM_READ | VM_WRITE))) return _PAGE_PROTNONE | _PAGE_ACCESSED;
  let p = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
  if (flags & VM_WRITE && flags & VM_SHARED) p |= _PAGE_RW;
  return p;
}
