/**
 * TTM's CPU caching vocabulary and how it becomes page-protection bits
 * (include/drm/ttm/ttm_caching.h, drivers/gpu/drm/ttm/ttm_module.c
 * `ttm_prot_from_caching`; spec 05 §2).
 *
 * A prot is modelled as 4 KiB-layout PTE bits (a number), as everywhere in
 * the model. x86's `pgprot_writecombine` / `pgprot_noncached` OR the mode's
 * bits into the prot (they do not clear existing cache bits); callers hand
 * in a WB prot (no cache bits), so the result is exactly the mode.
 */

import { CM, type CacheMode } from '../../../hw/cache-mode.js';
import type { KernelContext } from '../../context.js';

/** `enum ttm_caching` (the kernel's numbering: uncached 0, write-combined 1, cached 2). */
export const TTM_CACHING = { uncached: 0, write_combined: 1, cached: 2 } as const;
export type TtmCaching = (typeof TTM_CACHING)[keyof typeof TTM_CACHING];
/** TTM_NUM_CACHING_TYPES. */
export const TTM_NUM_CACHING_TYPES = 3;

const NAMES = ['ttm_uncached', 'ttm_write_combined', 'ttm_cached'] as const;

/** The kernel spelling, e.g. `ttm_write_combined`. */
export function ttmCachingName(c: TtmCaching): string {
  return NAMES[c];
}

/**
 * Scenario spelling of a caching: the kernel enum names, or the cache-mode
 * a caching stands for (`WC`/`write-combining` → write_combined,
 * `UC-`/`UC` → uncached, `WB` → cached).
 */
export function ttmCachingFromMode(m: CacheMode): TtmCaching {
  if (m === CM.WB) return TTM_CACHING.cached;
  if (m === CM.WC) return TTM_CACHING.write_combined;
  return TTM_CACHING.uncached;
}

/**
 * The cache mode `ttm_prot_from_caching` produces for a caching on x86:
 * cached → the prot's own (WB), WC → WC, uncached → UC- (`pgprot_noncached`
 * is UC- on x86, and only when the CPU family is > 3).
 */
export function ttmCachingMode(k: KernelContext, c: TtmCaching): CacheMode {
  if (c === TTM_CACHING.write_combined) return CM.WC;
  if (c === TTM_CACHING.uncached) return k.machine.cpu.family > 3 ? CM.UC_MINUS : CM.WB;
  return CM.WB;
}

/**
 * `ttm_prot_from_caching(caching, tmp)` (ttm_module.c; spec 05 §2): OR the
 * caching's cache bits into `prot` (x86: cached leaves it alone).
 */
export function ttmProtFromCaching(k: KernelContext, c: TtmCaching, prot: number): number {
  if (c === TTM_CACHING.cached) return prot;
  const m = ttmCachingMode(k, c);
  return m === CM.WB ? prot : prot | k.tables.cachemode2protval(m);
}
