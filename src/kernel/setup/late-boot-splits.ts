/**
 * The direct-map leaves a real boot split after the boot model's end (docs/capture-differences.md,
 * "DirectMap 4k/2M split"): the kernel image's permission changes and late-boot read-only
 * allocations, which the model does not make itself. `patlab probe` reads which 2 MiB blocks the
 * real kernel maps with 4 KiB pages before the scenario's first step and replays them here, so a
 * step's own split (or its absence) compares: a page in a block the real boot split already costs
 * no split in either.
 *
 * Each block is split as `split_large_page()` leaves it (arch/x86/mm/pat/set_memory.c): a 1 GiB leaf
 * holding it into 2 MiB leaves, then its 2 MiB leaf into 4 KiB, the protections kept and
 * `direct_pages_count[]` moved (`split_page_count()`). Nothing is counted as scenario work.
 */

import type { DirectMap } from '../mm/direct-map.js';
import { BLK_GB, BLK_LARGE, BLK_PTE } from '../mm/linear-map.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import type { CacheMode } from '../../hw/cache-mode.js';
import type { Memtype } from '../pat/memtype.js';

/**
 * Split the direct-map leaves holding each block (first pfn of a 2 MiB/4 MiB block) down to 4 KiB,
 * each 1 GiB leaf holding a `gbBlocks` pfn (a 1 GiB block the real kernel maps with smaller
 * leaves) into 2 MiB leaves, and the high-map leaves holding each `highBlocks` pfn down to 4 KiB.
 * Returns the splits made.
 */
export function replayLateBootSplits(dm: DirectMap, blocks: readonly number[], gbBlocks: readonly number[] = [], highBlocks: readonly number[] = []): number {
  let n = 0;
  // x86-64's high map of the kernel image: its 2 MiB leaves the real kernel maps in 4 KiB pages.
  const hm = dm.highMap;
  if (hm)
    for (const pfn of highBlocks) {
      if (pfn < hm.pfnStart || pfn >= hm.pfnEnd) continue;
      for (let l = hm.levelOf(pfn); l === BLK_GB || l === BLK_LARGE; l = hm.levelOf(pfn)) {
        const from = hm.split(pfn);
        // split_large_page() counts a high-map split too (virt_addr_valid), for a pfn the direct map maps.
        if (dm.pfnRangeIsMapped(pfn, pfn + 1)) dm.splitPageCount(from);
        n++;
      }
    }
  for (const pfn of gbBlocks) {
    if (dm.map.levelOf(pfn) !== BLK_GB) continue;
    dm.splitPageCount(dm.map.split(pfn));
    n++;
  }
  for (const pfn of blocks) {
    // A GB leaf splits into large leaves first, then the large leaf holding the block.
    for (let l = dm.map.levelOf(pfn); l === BLK_GB || l === BLK_LARGE; l = dm.map.levelOf(pfn)) {
      dm.splitPageCount(dm.map.split(pfn));
      n++;
    }
  }
  return n;
}

/** One `pat_memtype_list` entry: [start, end) and its cache mode. */
export interface MemtypeEntryState {
  start: number;
  end: number;
  type: CacheMode;
}

/**
 * Entries a real kernel's memtype tree holds before the scenario's first step that the boot model
 * does not: reservations an earlier module of the same boot left (a remap whose reservation
 * outlived its VMA, docs/probe.md "Several scenarios per boot"). They are put in the tree as
 * `memtype_check_insert()` leaves an entry (arch/x86/mm/pat/memtype_interval.c), with no checks:
 * the real kernel already accepted them. Returns the entries inserted.
 */
export function replayMemtypeEntries(mt: Memtype, entries: readonly MemtypeEntryState[]): number {
  for (const e of entries) mt.tree.insert(e.start, e.end, e.type);
  return entries.length;
}

/**
 * A freshly allocated page's direct-map entry as the real kernel had it: the cache bits
 * (PWT|PCD|PAT, 4 KiB layout) an earlier module left by a `set_memory_*` it never undid before
 * freeing the page (the kernel does not reset them on free). Only a 4 KiB entry (the real one
 * was one: its block was split, and the split was replayed before the first step). Returns
 * whether the entry was written.
 */
export function replayPageCacheBits(dm: DirectMap, pfn: number, bits: number): boolean {
  const m = dm.map;
  if (pfn < m.pfnStart || pfn >= m.pfnEnd || m.levelOf(pfn) !== BLK_PTE || !m.present(pfn)) return false;
  m.setPte(pfn, (m.pteOf(pfn) & ~PAGE_CACHE_MASK) | (bits & PAGE_CACHE_MASK));
  return true;
}
