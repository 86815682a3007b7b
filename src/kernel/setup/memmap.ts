/**
 * The memmap (`struct page` for every pfn below max_pfn) as the buddy
 * allocator receives it (spec 03 §1.2): `memmap_init()` leaves every page
 * reserved; `memblock_free_all()` frees memblock memory that no early
 * reservation holds (`early_reserve_memory()`: the kernel image; since
 * v5.13 always the first MiB). Holes keep their reference.
 */

import { PAGE_SIZE } from '../../hw/page.js';
import type { MachineSpec } from '../machine.js';
import { PG_BUDDY, PG_NOMEM, PG_RESERVED, PageArray } from '../mm/page.js';
import type { BootMemory } from './e820.js';

/** First MiB: always memblock-reserved since v5.13 ("x86/setup: always reserve the first 1M of RAM"). */
const RESERVE_LOW_PFN = 256;

/** The page flags and refcounts boot leaves on `m`: free memblock memory in the buddy, the rest reserved. */
export function memmapInit(m: MachineSpec, mem: BootMemory): PageArray {
  const { maxPfn } = mem;
  const pages = new PageArray(maxPfn);
  const flags = pages.flags;
  flags.fill(PG_RESERVED | PG_NOMEM);
  // Holes hold a reference (reserved); memblock memory starts free (refcount 0, the
  // array's initial value): fill only the holes, one pass over the 4-byte counts.
  let holeStart = 0;
  for (const r of mem.memblock) {
    flags.fill(PG_BUDDY, r.start, r.end);
    pages.refcount.fill(1, holeStart, r.start);
    holeStart = r.end;
  }
  pages.refcount.fill(1, holeStart, maxPfn);
  const reserve = (s: number, e: number): void => {
    for (let p = Math.max(s, 0); p < Math.min(e, maxPfn); p++) {
      if (flags.get(p) & PG_BUDDY) {
        flags.set(p, PG_RESERVED);
        pages.refcount.set(p, 1);
      }
    }
  };
  reserve(0, RESERVE_LOW_PFN);
  reserve(Math.floor(m.kernelImage.start / PAGE_SIZE), Math.ceil(m.kernelImage.end / PAGE_SIZE));
  // x86-32: ZONE_HIGHMEM is [max_low_pfn, max_pfn), fixed at boot (PageHighMem).
  if (m.arch !== 'x86-64') pages.markHighmem(mem.maxLowPfn, maxPfn);
  return pages;
}
