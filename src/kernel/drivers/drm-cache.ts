/**
 * drivers/gpu/drm/drm_cache.c: how DRM flushes CPU caches of pages without
 * changing their memory type (used by TTM when it does not change caching).
 */

import type { MmContext } from '../mm/mm-context.js';

/**
 * `drm_clflush_pages(pages, n)` (drivers/gpu/drm/drm_cache.c): with CLFLUSH,
 * every page is mapped with `kmap_local_page` and flushed line by line
 * (counted in `clflushPages`); without it, `wbinvd_on_all_cpus()` (one
 * WBINVD round, an IPI to every other CPU). No page-table change.
 */
export function drmClflushPages(k: MmContext, n: number): void {
  if (n === 0) return;
  if (k.machine.cpu.clflush) {
    k.counters.clflushPages += n;
    return;
  }
  k.counters.wbinvdRounds++;
  k.counters.ipis += Math.max(k.machine.cpu.nCpus - 1, 0);
}
