/**
 * RFC 3/3 "drm/ttm: disable changing the global caching flags on newer AMD
 * CPUs v2" and the Aug-6 WIP "drm/ttm: WIP limit the TTM pool to 32bit
 * CPUs" (spec 06 §1, §3 "RFC 3/3"): under `k.hooks.ttmSkipCachingAdjustment`
 * TTM keeps no WC/UC pool, flushes caches with `drm_clflush_pages` instead
 * of `set_pages_array_*`, and skips `set_pages_wb` on free and backup.
 */

import type { MmContext } from '../../mm/mm-context.js';

/**
 * Whether the hook is in force on this machine: 'amd-clflush' = RFC 3/3's
 * condition (vendor AMD and CLFLUSH), 'x86-64' = the WIP's (every 64-bit
 * kernel).
 */
export function ttmSkipsCaching(k: MmContext): boolean {
  const h = k.hooks.ttmSkipCachingAdjustment;
  if (!h) return false;
  if (h === 'x86-64') return k.is64;
  return k.machine.cpu.vendor === 'AuthenticAMD' && k.machine.cpu.clflush;
}

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
