/**
 * `struct page` state for every pfn of the memmap, in typed arrays
 * (DESIGN.md: one object per page is forbidden; include/linux/page-flags.h,
 * include/linux/mm_types.h).
 *
 * Per page: 1 flag byte, a 32-bit refcount and a 32-bit mapcount (9 bytes),
 * in chunks (PageChunks): boot's fills of whole ranges share one chunk per
 * value, so a page costs its bytes once something writes its chunk.
 */

import type { PageState } from '../context.js';
import { PageBytes, PageInts } from './page-chunks.js';

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
  readonly flags: PageBytes;
  /** `page_ref_count()`: 0 for free pages, 1 for reserved and freshly allocated ones. */
  readonly refcount: PageInts;
  /**
   * `page_mapcount()`: user mappings of the page. Stored as the logical count
   * (0 = unmapped), not the kernel's biased `_mapcount` (-1 = unmapped).
   */
  readonly mapcount: PageInts;

  constructor(readonly nPfns: number) {
    this.flags = new PageBytes(nPfns);
    this.refcount = new PageInts(nPfns);
    this.mapcount = new PageInts(nPfns);
  }

  /** Pages in `[start, end)` with flag bit `bit` set (boot counts 16 M pages per run: whole chunks at once). */
  countFlag(bit: number, start: number, end: number): number {
    return this.flags.countBit(bit, start, end);
  }

  /** First pfn of ZONE_HIGHMEM (Infinity: none, as on x86-64); its pages carry PG_HIGHMEM. */
  private highmemStart = Infinity;

  /** Boot: `[start, end)` is ZONE_HIGHMEM (the zone is in page->flags; set run by run, so chunks that are one value stay so). */
  markHighmem(start: number, end: number): void {
    if (start >= end) return;
    this.highmemStart = start;
    for (let p = start; p < end; ) {
      const v = this.flags.get(p);
      const e = this.flags.firstNot(v, p, end);
      this.flags.fill(v | PG_HIGHMEM, p, e);
      p = e;
    }
  }

  /** `PageHighMem(page)`: the page's zone, fixed at boot (PG_HIGHMEM is never set or cleared after); always false on x86-64. */
  isHighMem(pfn: number): boolean {
    return pfn >= this.highmemStart && pfn < this.nPfns;
  }

  /** `PageReserved(page)`. */
  isReserved(pfn: number): boolean {
    return (this.flags.get(pfn) & PG_RESERVED) !== 0;
  }

  /** `pfn_valid(pfn)`: the pfn has a `struct page` in the memmap. */
  pfnValid(pfn: number): boolean {
    return Number.isInteger(pfn) && pfn >= 0 && pfn < this.nPfns;
  }
}
