/**
 * `struct page` state for every pfn of the memmap, in typed arrays
 * (DESIGN.md: one object per page is forbidden; include/linux/page-flags.h,
 * include/linux/mm_types.h).
 *
 * Per page: 1 flag byte, a 32-bit refcount and a 32-bit mapcount (9 bytes).
 * With the memtype byte (PageMemtypes) and the direct-map PTE byte
 * (DirectMap) the model keeps 11 bytes per page.
 */

import type { PageState } from '../context.js';

/** `PG_reserved`: never handed to the page allocator (holes, firmware, kernel image, memblock reservations). */
export const PG_RESERVED = 1 << 0;
/** `PG_buddy`: free, owned by the page allocator. */
export const PG_BUDDY = 1 << 1;
/** The page lies in ZONE_HIGHMEM (the kernel encodes the zone in page->flags; cached here as a bit). */
export const PG_HIGHMEM = 1 << 2;
/** The pfn is not memblock memory (a hole inside the memmap): it has a `struct page` but no RAM behind it. */
export const PG_NOMEM = 1 << 3;
/** `PG_head`: first page of a higher-order allocation (the order is not kept; the allocator is told it on free). */
export const PG_HEAD = 1 << 4;

export class PageArray implements PageState {
  readonly flags: Uint8Array;
  /** `page_ref_count()`: 0 for free pages, 1 for reserved and freshly allocated ones. */
  readonly refcount: Int32Array;
  /**
   * `page_mapcount()`: user mappings of the page. Stored as the logical count
   * (0 = unmapped), not the kernel's biased `_mapcount` (-1 = unmapped).
   */
  readonly mapcount: Int32Array;

  constructor(readonly nPfns: number) {
    this.flags = new Uint8Array(nPfns);
    this.refcount = new Int32Array(nPfns);
    this.mapcount = new Int32Array(nPfns);
  }

  /** Pages in `[start, end)` with flag bit `bit` set, four flag bytes at a time (boot counts 16 M pages per run). */
  countFlag(bit: number, start: number, end: number): number {
    const f = this.flags;
    const shift = 31 - Math.clz32(bit);
    let n = 0;
    let p = start;
    for (; p < end && p & 3; p++) if (f[p]! & bit) n++;
    const w = new Uint32Array(f.buffer, f.byteOffset, this.nPfns >>> 2);
    const wEnd = end >>> 2;
    for (let i = p >>> 2; i < wEnd; i++) {
      // One bit per byte, summed by the multiply into the top byte.
      n += (Math.imul((w[i]! >>> shift) & 0x01010101, 0x01010101) >>> 24) & 0xff;
    }
    for (p = Math.max(p, wEnd << 2); p < end; p++) if (f[p]! & bit) n++;
    return n;
  }

  /** `PageHighMem(page)`. Always false on x86-64 (no highmem zone). */
  isHighMem(pfn: number): boolean {
    return (this.flags[pfn]! & PG_HIGHMEM) !== 0;
  }

  /** `PageReserved(page)`. */
  isReserved(pfn: number): boolean {
    return (this.flags[pfn]! & PG_RESERVED) !== 0;
  }

  /** `pfn_valid(pfn)`: the pfn has a `struct page` in the memmap. */
  pfnValid(pfn: number): boolean {
    return Number.isInteger(pfn) && pfn >= 0 && pfn < this.nPfns;
  }

  /** Bytes of typed-array state held here, per page (for the bench's budget line). */
  static bytesPerPage(): number {
    return Uint8Array.BYTES_PER_ELEMENT + Int32Array.BYTES_PER_ELEMENT * 2;
  }
}
