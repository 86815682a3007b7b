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
import { BLK_GB, BLK_LARGE } from '../mm/linear-map.js';

/** Split the direct-map leaves holding each block (first pfn of a 2 MiB/4 MiB block) down to 4 KiB. */
export function replayLateBootSplits(dm: DirectMap, blocks: readonly number[]): number {
  let n = 0;
  for (const pfn of blocks) {
    // A GB leaf splits into large leaves first, then the large leaf holding the block.
    for (let l = dm.map.levelOf(pfn); l === BLK_GB || l === BLK_LARGE; l = dm.map.levelOf(pfn)) {
      dm.splitPageCount(dm.map.split(pfn));
      n++;
    }
  }
  return n;
}
