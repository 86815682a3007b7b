/**
 * What the kernel/mm functions (CPA, set_memory_*, kmap, vmap) are handed:
 * the booted kernel with its memory-management objects. `Kernel`
 * (kernel/kernel.ts) implements it; the interfaces are type-only so the mm
 * files do not depend on the boot code.
 */

import type { KernelContext } from '../context.js';
import type { DirectMap } from './direct-map.js';
import type { Highmem } from './highmem.js';
import type { KernelPageTable } from './kernel-pgtable.js';
import type { PageArray } from './page.js';
import type { PageAllocator } from './page-alloc.js';
import type { Vmalloc } from './vmalloc.js';
import type { Zones } from './zones.js';

export interface MmContext extends KernelContext {
  readonly pages: PageArray;
  readonly zones: Zones;
  readonly directMap: DirectMap;
  readonly pgtable: KernelPageTable;
  readonly highmem: Highmem;
  readonly vmalloc: Vmalloc;
  readonly allocator: PageAllocator;
  readonly is64: boolean;
  /** `tlb_single_page_flush_ceiling` (debugfs; default 33). */
  tlbSinglePageFlushCeiling: number;
  /** pfn of `high_memory`: one past the last direct-mapped RAM pfn (x86-64 max_pfn, x86-32 max_low_pfn). */
  readonly highMemoryPfn: number;
  /** `WARN_ON_ONCE` sites of kernel/mm that already fired. */
  readonly warnedOnce: Set<string>;
}
