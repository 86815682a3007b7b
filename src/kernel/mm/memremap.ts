/**
 * `memremap()` / `memunmap()` (kernel/iomem.c): "ioremap" for memory without
 * I/O side effects. MEMREMAP_WB on a range that is all System RAM returns the
 * direct-map address (lowmem only); otherwise each requested type is tried in
 * the order WB (`ioremap_cache`), WT (`ioremap_wt`), WC (`ioremap_wc`) until
 * one returns a mapping. A mixed RAM/non-RAM range, and a non-WB request on
 * RAM, are refused with a WARN_ONCE.
 */

import { CM } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import { fmt016Lx } from '../printk.js';
import { ioremapCache, ioremapWc, ioremapWt, iounmap, type IoremapResult } from './ioremap.js';
import type { MmContext } from './mm-context.js';
import { warnOnce } from './warn.js';
import { PAGE_SIZE } from '../../hw/page.js';

/** `enum { MEMREMAP_WB = 1 << 0, MEMREMAP_WT = 1 << 1, MEMREMAP_WC = 1 << 2, MEMREMAP_ENC = 1 << 3, MEMREMAP_DEC = 1 << 4 }` (include/linux/io.h). */
export const MEMREMAP_FLAGS: Readonly<Record<string, number>> = {
  MEMREMAP_WB: 1,
  MEMREMAP_WT: 2,
  MEMREMAP_WC: 4,
  MEMREMAP_ENC: 8,
  MEMREMAP_DEC: 16,
};
const WB = 1;
const WT = 2;
const WC = 4;

/** `region_intersects()` results. */
export type RegionIntersects = 'disjoint' | 'intersects' | 'mixed';

/**
 * `region_intersects(start, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE)`:
 * whether `[start, start+size)` touches System RAM only (`intersects`), RAM and
 * other resources (`mixed`), or no RAM (`disjoint`). The other resources are
 * the machine's iomem entries and the non-RAM e820 entries (which the kernel
 * registers as iomem resources); a part of the range in no resource at all
 * does not count, as in the kernel.
 */
export function regionIntersectsRam(k: MmContext, start: number, size: number): RegionIntersects {
  const last = start + size - 1;
  const ram = k.systemRam.resources.some((r) => r.start <= last && start <= r.endIncl);
  if (!ram) return 'disjoint';
  const overlaps = (s: number, e: number): boolean => s <= last && start < e;
  const other =
    k.machine.iomem.some((r) => overlaps(r.start, r.end)) || k.e820.some((e) => e.type !== 'usable' && overlaps(e.start, e.end));
  return other ? 'mixed' : 'intersects';
}

export interface MemremapResult {
  /** Stored kernel virtual address, or null for NULL. */
  vaddr: number | null;
  /** Where the address points: the direct map (no new mapping) or an ioremap area. */
  via?: 'direct-map' | 'ioremap';
  /** The ioremap call's result when one made the mapping. */
  io?: IoremapResult;
}

/** `memremap(offset, size, flags)` (kernel/iomem.c). */
export function memremap(k: MmContext, offset: number, size: number, flags: number): MemremapResult {
  const isRam = regionIntersectsRam(k, offset, size);
  if (!flags) {
    k.log.refuse('memremap', 'no MEMREMAP_* flag', 'NULL');
    return { vaddr: null };
  }
  const sizeHex = '0x' + size.toString(16);
  if (isRam === 'mixed') {
    warnOnce(k, 'memremap-mixed', `memremap attempted on mixed range ${fmt016Lx(offset)} size: ${sizeHex}`);
    k.log.refuse('memremap', 'region_intersects() == REGION_MIXED (part RAM, part not)', 'NULL');
    return { vaddr: null };
  }
  let r: MemremapResult = { vaddr: null };
  if (flags & WB) {
    // try_ram_remap(): a lowmem page with a struct page is already mapped WB
    // by the direct map (no memory encryption modelled, so
    // arch_memremap_can_ram_remap() is true).
    const pfn = Math.floor(offset / PAGE_SIZE);
    if (isRam === 'intersects' && k.pages.pfnValid(pfn) && !k.pages.isHighMem(pfn)) {
      r = { vaddr: k.directMap.va(pfn) + (offset % PAGE_SIZE), via: 'direct-map' };
      // The caller asked for WB and gets the direct map as it is: whatever a set_memory_*/set_pages_* made it.
      const npages = Math.ceil(((offset % PAGE_SIZE) + size) / PAGE_SIZE);
      k.log.events.push({ kind: 'map', step: k.log.step, call: 'memremap', space: 'direct', pfn, npages, requested: CM.WB, installed: k.tables.pgprot2cachemode(k.directMap.map.bits4k(pfn) & PAGE_CACHE_MASK) });
    }
    if (r.vaddr === null) r = viaIoremap(ioremapCache(k, offset, size));
  }
  if (r.vaddr === null && isRam === 'intersects' && flags !== WB) {
    warnOnce(k, 'memremap-ram', `memremap attempted on ram ${fmt016Lx(offset)} size: ${sizeHex}`);
    k.log.refuse('memremap', 'RAM that try_ram_remap() cannot map (highmem, or not MEMREMAP_WB)', 'NULL');
    return { vaddr: null };
  }
  if (r.vaddr === null && flags & WT) r = viaIoremap(ioremapWt(k, offset, size));
  if (r.vaddr === null && flags & WC) r = viaIoremap(ioremapWc(k, offset, size));
  return r;
}

function viaIoremap(io: IoremapResult): MemremapResult {
  return io.vaddr === null ? { vaddr: null, io } : { vaddr: io.vaddr, via: 'ioremap', io };
}

/** `memunmap(addr)`: iounmap if the address is an ioremap address (the vmalloc area on x86), else nothing. */
export function memunmap(k: MmContext, vaddr: number): void {
  if (k.vmalloc.contains(vaddr)) iounmap(k, vaddr);
}
