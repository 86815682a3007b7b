/**
 * The TTM page pool (drivers/gpu/drm/ttm/ttm_pool.c, newest form read:
 * torvalds/linux 0180d6ff; spec 05 §3): allocation with deferred caching
 * changes, give/take per caching × order, freeing, shrinking and backup.
 *
 * Linux 6.1's `ttm_pool_alloc` is organised differently (no
 * `ttm_pool_alloc_state`; pool pages and fresh highmem pages apply the
 * pending range at once) but makes the same per-page decisions: fresh
 * lowmem pages get `set_pages_array_wc/uc`, highmem pages never do, pool
 * pages keep their caching. The model runs the newest form for every
 * version; call counts of `set_pages_array_*` may differ from 6.1's.
 */

import { CM } from '../../../hw/cache-mode.js';
import { EBUSY, EINVAL, ENOMEM } from '../../errno.js';
import type { MmContext } from '../../mm/mm-context.js';
import { MAX_ORDER, splitPage, type Gfp } from '../../mm/page-alloc.js';
import { setPagesArrayUc, setPagesArrayWb, setPagesArrayWc, setPagesWb } from '../../mm/set-memory.js';
import { checkHolds, driverFreePages } from '../page-refs.js';
import { TTM_CACHING, type TtmCaching } from './caching.js';
import type { TtmPool } from './device.js';
import type { TtmPoolType } from './pool-type.js';
import { drmClflushPages } from '../drm-cache.js';
import { ttmGlobal } from './ttm-global.js';
import type { TtmTt } from './tt.js';

/** `struct ttm_pool_alloc_state`, as indices into `tt.pages`. */
interface AllocState {
  /** Next slot to fill. */
  pages: number;
  /** First slot whose page has a staged, not yet applied WB → tt caching transition. */
  cachingDivide: number;
  remaining: number;
  ttCaching: TtmCaching;
}

/** What one `ttm_pool_alloc` did, for call results and costs. */
export interface PoolAllocStats {
  fromPool: number;
  fresh: number;
  highmem: number;
  /** Pages handed to `set_pages_array_wc/uc` (or clflushed under the skip hook). */
  cachingApplied: number;
}

const floorLog2 = (n: number): number => 31 - Math.clz32(n);

/**
 * Whether TTM changes the kernel's caching of its pages (WC/UC pools,
 * `set_pages_array_*`, `set_pages_wb` on free): the kernel's own does;
 * hook `ttmCaching` (RFC 3/3 and the WIP flush caches instead).
 */
function ttmSkipsCaching(k: MmContext): boolean {
  return k.hooks.ttmCaching ? !k.hooks.ttmCaching.changesCaching(k) : false;
}

/** Today's highmem quirk (`caching_consistent = ... || PageHighMem(p)`), unless hook `ttmCaching` drops it. */
function highmemConsistent(k: MmContext): boolean {
  return k.hooks.ttmCaching ? k.hooks.ttmCaching.highmemConsistent : true;
}

/**
 * `ttm_pool_select_type(pool, caching, order)`: the per-pool type with the
 * coherent DMA API, else (x86) the global WC/UC (dma32 or not) type, none
 * for cached. Under RFC 3/3 / WIP there are no global WC/UC pools.
 */
export function ttmPoolSelectType(k: MmContext, pool: TtmPool, caching: TtmCaching, order: number): TtmPoolType | null {
  if (pool.types) return pool.types[caching]![order]!;
  if (ttmSkipsCaching(k)) return null;
  return ttmGlobal(k).globalType(caching, order, pool.useDma32);
}

/**
 * `ttm_pool_alloc_page(pool, gfp, order)`: `alloc_pages_node` (order > 0
 * without __GFP_COMP: tail pages keep refcount 0), or for a dma-alloc pool
 * `dma_alloc_attrs`, which drops __GFP_HIGHMEM and picks the zone from the
 * device's coherent mask: GFP_DMA32 with dma32, otherwise lowmem
 * (GFP_KERNEL). Returns the first pfn or -1.
 */
export function ttmPoolAllocPage(k: MmContext, pool: TtmPool, gfp: Gfp, order: number): number {
  if (pool.useDmaAlloc) return k.allocator.allocPages(pool.useDma32 ? 'GFP_DMA32' : 'GFP_KERNEL', order);
  return k.allocator.allocPages(gfp, order);
}

/** The block a real kernel's pool put at tt index `i` (TtmTt.replay), when it is a free, aligned block of `order`; else null. */
function replayedBlock(k: MmContext, tt: TtmTt, i: number, order: number): number | null {
  const want = tt.replay?.[i];
  return want === undefined ? null : k.allocator.tryAllocPagesAt('GFP_HIGHUSER', order, want);
}

/**
 * `ttm_pool_apply_caching(alloc)` (spec 05 §3.3): commit the staged range
 * `[caching_divide, pages)`. WC/UC: `set_pages_array_wc/uc` and return its
 * result WITHOUT moving the divide (as the code read does; callers move it).
 * Cached: just move the divide. Under the skip hook: `drm_clflush_pages`.
 */
function applyCaching(k: MmContext, st: AllocState, tt: TtmTt, stats: PoolAllocStats): number {
  const n = st.pages - st.cachingDivide;
  if (!n) return 0;
  if (st.ttCaching !== TTM_CACHING.cached) {
    stats.cachingApplied += n;
    if (ttmSkipsCaching(k)) drmClflushPages(k, n);
    else {
      const pages = tt.pages.slice(st.cachingDivide, st.pages);
      return st.ttCaching === TTM_CACHING.write_combined ? setPagesArrayWc(k, pages) : setPagesArrayUc(k, pages);
    }
  }
  st.cachingDivide = st.pages;
  return 0;
}

/**
 * `ttm_pool_page_allocated(pool, order, p, page_caching, alloc, NULL)`:
 * `caching_consistent = page_caching == tt_caching || PageHighMem(p)` — the
 * highmem quirk: a fresh highmem page counts as already having the tt's
 * caching, so it is committed without any caching change (its PAT page flag
 * stays WB; spec 05 §3.5, 06 §2 step 5). Consistent: apply what is staged
 * first, then move the divide past the new pages. DMA mapping cannot fail
 * in the model.
 */
function pageAllocated(k: MmContext, order: number, p: number, pageCaching: TtmCaching, st: AllocState, tt: TtmTt, stats: PoolAllocStats): number {
  const consistent = pageCaching === st.ttCaching || (k.pages.isHighMem(p) && highmemConsistent(k));
  if (consistent) {
    const r = applyCaching(k, st, tt, stats);
    if (r) return r;
  }
  const n = 2 ** order;
  tt.order[st.pages] = order;
  for (let i = 0; i < n; i++) tt.pages[st.pages + i] = p + i;
  st.pages += n;
  st.remaining -= n;
  if (k.pages.isHighMem(p)) stats.highmem += n;
  if (consistent) st.cachingDivide = st.pages;
  return 0;
}

/**
 * `ttm_pool_alloc(pool, tt, ctx)` → `__ttm_pool_alloc` (spec 05 §3.2):
 * GFP_DMA32 with a dma32 pool, else GFP_HIGHUSER (where highmem enters on
 * 32-bit); orders from min(MAX_PAGE_ORDER, log2(remaining)) down; pool
 * first, then the page allocator with `page_caching = cached` (pools
 * disallowed until the order drops); on error everything is freed, the
 * applied part as the tt's caching, the staged part as cached.
 */
export function ttmPoolAlloc(k: MmContext, pool: TtmPool, tt: TtmTt): { ret: number; stats: PoolAllocStats } {
  const stats: PoolAllocStats = { fromPool: 0, fresh: 0, highmem: 0, cachingApplied: 0 };
  if (tt.backedUp) {
    k.log.emit('warning-splat', 'WARNING: CPU: 0 at drivers/gpu/drm/ttm/ttm_pool.c ttm_pool_alloc');
    return { ret: -EINVAL, stats };
  }
  const st: AllocState = { pages: 0, cachingDivide: 0, remaining: tt.numPages, ttCaching: tt.caching };
  const gfp: Gfp = pool.useDma32 ? 'GFP_DMA32' : 'GFP_HIGHUSER';
  const g = ttmGlobal(k);
  let pageCaching = tt.caching;
  let allowPools = true;
  let r = 0;
  for (let order = Math.min(MAX_ORDER, floorLog2(st.remaining)); st.remaining; order = Math.min(order, floorLog2(st.remaining))) {
    let p = -1;
    const pt = ttmPoolSelectType(k, pool, pageCaching, order);
    if (pt && allowPools) p = ttmPoolTypeTake(g, pt);
    if (p >= 0) stats.fromPool += 2 ** order;
    else {
      pageCaching = TTM_CACHING.cached;
      allowPools = false;
      p = replayedBlock(k, tt, st.pages, order) ?? ttmPoolAllocPage(k, pool, gfp, order);
      if (p >= 0) stats.fresh += 2 ** order;
    }
    if (p < 0) {
      if (order) {
        order--;
        pageCaching = tt.caching;
        allowPools = true;
        continue;
      }
      r = -ENOMEM;
      break;
    }
    r = pageAllocated(k, order, p, pageCaching, st, tt, stats);
    if (r) {
      ttmPoolFreePage(k, pool, pageCaching, order, p);
      break;
    }
  }
  if (!r) r = applyCaching(k, st, tt, stats);
  if (!r) {
    tt.populated = true;
    return { ret: 0, stats };
  }
  // error_free_all: applied part as the tt's caching, the rest as cached.
  freeRange(k, pool, tt, tt.caching, 0, st.cachingDivide);
  freeRange(k, pool, tt, TTM_CACHING.cached, st.cachingDivide, st.pages);
  return { ret: r, stats };
}

/**
 * `ttm_pool_type_give(pt, p)`: clear the pages — a highmem page through
 * `clear_highpage` (a WB `kmap_local_page`, recorded as a `map` event: a
 * transient WB alias of a page filed as WC/UC), a lowmem one through the
 * direct map — and file the block at the tail. Caching state is kept.
 */
export function ttmPoolTypeGive(k: MmContext, pt: TtmPoolType, p: number): void {
  const n = 2 ** pt.order;
  checkHolds(k, p, n, 'ttm', 'files a page in its pool for reuse');
  if (k.pages.isHighMem(p)) k.log.events.push({ kind: 'map', step: k.log.step, call: 'clear_highpage', space: 'kmap', pfn: p, npages: n, requested: CM.WB, installed: CM.WB });
  pt.push(p);
  const g = ttmGlobal(k);
  g.allocatedPages += n;
  if (g.allocatedPages > g.allocatedPagesPeak) g.allocatedPagesPeak = g.allocatedPages;
}

/** `ttm_pool_type_take(pt, nid)`: the oldest block, or -1. */
export function ttmPoolTypeTake(g: { allocatedPages: number }, pt: TtmPoolType): number {
  const p = pt.shift();
  if (p >= 0) g.allocatedPages -= 2 ** pt.order;
  return p;
}

/**
 * `ttm_pool_free_page(pool, caching, order, p, reclaim)`: on x86 a non-cached
 * lowmem block goes back to WB first (`set_pages_wb`: direct map WB +
 * `memtype_free`, flag WB); highmem is skipped (no direct map). Then
 * `__free_pages` (or `dma_free_attrs`: the same pages back to the allocator).
 */
export function ttmPoolFreePage(k: MmContext, _pool: TtmPool | null, caching: TtmCaching, order: number, p: number): void {
  if (caching !== TTM_CACHING.cached && !ttmSkipsCaching(k)) {
    if (!k.pages.isHighMem(p)) setPagesWb(k, p, 2 ** order);
    // A design that gave highmem pages their caching takes it back the page-array way (no linear address).
    else if (!highmemConsistent(k)) setPagesArrayWb(k, Array.from({ length: 2 ** order }, (_, i) => p + i));
  }
  driverFreePages(k, p, order, 'ttm');
}

/** `ttm_pool_unmap_and_free(pool, page, dma_addr, caching)`: to the pool type of (caching, order) if any, else free. Returns the pages. */
function unmapAndFree(k: MmContext, pool: TtmPool, p: number, order: number, caching: TtmCaching): number {
  const pt = ttmPoolSelectType(k, pool, caching, order);
  if (pt) ttmPoolTypeGive(k, pt, p);
  else ttmPoolFreePage(k, pool, caching, order, p);
  return 2 ** order;
}

/** `ttm_pool_free_range(pool, tt, caching, start, end)`: free each allocation in `[start, end)`; slots are emptied. */
function freeRange(k: MmContext, pool: TtmPool, tt: TtmTt, caching: TtmCaching, start: number, end: number): void {
  let nr = 1;
  for (let i = start; i < end; i += nr) {
    const p = tt.pages[i]!;
    nr = 1;
    if (p < 0) continue;
    const order = tt.order[i]!;
    nr = unmapAndFree(k, pool, p, order, caching);
    tt.pages.fill(-1, i, i + nr);
    tt.order.fill(-1, i, i + nr);
  }
}

/**
 * `ttm_pool_free(pool, tt)` (spec 05 §3.4): every allocation back to its
 * pool type (or freed), then shrink while `allocated_pages > page_pool_size`.
 */
export function ttmPoolFree(k: MmContext, pool: TtmPool, tt: TtmTt): void {
  freeRange(k, pool, tt, tt.caching, 0, tt.numPages);
  tt.populated = false;
  const g = ttmGlobal(k);
  while (g.allocatedPages > g.pagePoolSize) ttmPoolShrink(k, g.allocatedPages - g.pagePoolSize);
}

/**
 * `ttm_pool_shrink(nid, num_to_free)`: take the first pool type of the
 * shrinker list, rotate it to the tail, free up to `num_to_free` of its
 * blocks (oldest first) through `ttm_pool_free_page`. Returns pages freed.
 */
export function ttmPoolShrink(k: MmContext, numToFree: number): number {
  const g = ttmGlobal(k);
  const pt = g.shrinkerList.shift()!;
  g.shrinkerList.push(pt);
  let blocks = 0;
  while (blocks < numToFree) {
    const p = ttmPoolTypeTake(g, pt);
    if (p < 0) break;
    blocks++;
    // Global types have pt->pool == NULL; dma-alloc types free through their pool.
    ttmPoolFreePage(k, null, pt.caching, pt.order, p);
  }
  return blocks * 2 ** pt.order;
}

/**
 * The `drm-ttm_pool` shrinker's scan (`ttm_pool_shrinker_scan`): shrink
 * until `nrToScan` pages are freed or the pools are empty. Default: all.
 */
export function ttmPoolShrinkerScan(k: MmContext, nrToScan?: number): number {
  const g = ttmGlobal(k);
  const want = nrToScan ?? g.allocatedPages;
  let freed = 0;
  do freed += ttmPoolShrink(k, want);
  while (freed < want && g.allocatedPages > 0);
  return freed;
}

/**
 * `ttm_pool_backup(pool, tt, flags)` (spec 05 §3.4, spec/07 A3): refuse a
 * dma-alloc pool (-EBUSY); for a non-cached tt first
 * `set_pages_array_wb(tt->pages, n)` on ALL pages — no highmem filter, so a
 * highmem page reaches the CPA pages mode and oopses (spec 03 §5.3, modelled
 * in kernel/mm/cpa.ts) — unless the skip hook is on; then either purge
 * (free every block to the system) or back each page up to shmem (split,
 * copy, put_page). Swap space is assumed available. Returns pages released.
 */
export function ttmPoolBackup(k: MmContext, pool: TtmPool, tt: TtmTt, purge: boolean): number {
  if (tt.backedUp) {
    k.log.emit('warning-splat', 'WARNING: CPU: 0 at drivers/gpu/drm/ttm/ttm_pool.c ttm_pool_backup');
    return -EINVAL;
  }
  if (pool.useDmaAlloc) return -EBUSY;
  if (tt.caching !== TTM_CACHING.cached && !ttmSkipsCaching(k)) {
    const present = tt.pages.filter((p) => p >= 0);
    // The kernel passes tt->pages whole (NULL entries would crash too; a populated tt has none).
    setPagesArrayWb(k, present);
  }
  let shrunken = 0;
  for (let i = 0; i < tt.numPages; ) {
    const p = tt.pages[i]!;
    if (p < 0) {
      i++;
      continue;
    }
    const order = tt.order[i]!;
    const n = 2 ** order;
    // purge: __free_pages(page, order); backup: split_page + per-page put_page after the copy — the same pages leave.
    if (purge) driverFreePages(k, p, order, 'ttm');
    else {
      splitPage(k.pages, p, order);
      for (let q = p; q < p + n; q++) driverFreePages(k, q, 0, 'ttm');
    }
    tt.pages.fill(-1, i, i + n);
    tt.order.fill(-1, i, i + n);
    shrunken += n;
    i += n;
  }
  if (!purge) tt.backedUp = true;
  tt.populated = false;
  return shrunken;
}

