/**
 * `unmap_mapping_range(mapping, holebegin, holelen, even_cows)` (mm/memory.c;
 * spec 04 §8 "Driver invalidation"): TTM calls it when a BO moves. Every VMA
 * of every process that maps the file range has those PTEs zapped
 * (`zap_page_range_single` each); the next access faults again and gets a new
 * PAT lookup. ≤ v6.15 the zap's `untrack_pfn(vma, 0, 0)` also frees a
 * `VM_PFNMAP` VMA's whole-VMA reservation (docs/decisions.md).
 */

import type { MmContext } from '../mm/mm-context.js';
import { vmState } from './mm.js';
import { PAGE_SIZE } from '../../hw/page.js';
import { zapPageRangeSingle } from './lifecycle.js';
import type { VmFile } from './vma.js';

/** Zap file pages `[pgoff, pgoff + npages)` (npages 0 = to the end) in every VMA mapping `file`. */
export function unmapMappingRange(k: MmContext, file: VmFile, pgoff: number, npages: number): void {
  const last = npages === 0 ? Number.POSITIVE_INFINITY : pgoff + npages;
  for (const mm of vmState(k).sorted()) {
    for (const v of mm.vmas) {
      if (v.file !== file) continue;
      const from = Math.max(pgoff, v.pgoff) - v.pgoff;
      const to = Math.min(last, v.pgoff + v.pages) - v.pgoff;
      if (to > from) zapPageRangeSingle(k, v, v.start + from * PAGE_SIZE, (to - from) * PAGE_SIZE);
    }
  }
}
