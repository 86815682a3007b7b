/**
 * TTM's kernel CPU mappings of a BO (drivers/gpu/drm/ttm/ttm_bo_util.c
 * `ttm_bo_kmap`/`ttm_bo_kunmap`/`ttm_bo_vmap`/`ttm_bo_vunmap`, ttm_tt.c
 * `ttm_kmap_iter_tt_map_local`; spec 05 §4.3 "Kernel CPU mappings", 06 §2
 * "Effects").
 *
 * These are where the debate's conflicting alias appears on 32-bit: the
 * kernel maps a WC tt's highmem page WC (vmap / kmap_local_page_prot with
 * the tt's caching) while PAT's override maps it WB in user space. Each
 * mapping made here is recorded as a `map` event (requested = installed:
 * PAT is not consulted for vmap/kmap_local).
 */

import { cacheModeShort, CM, type CacheMode } from '../../../hw/cache-mode.js';
import { ENOMEM } from '../../errno.js';
import { ioremapCaller } from '../../mm/ioremap.js';
import type { MmContext } from '../../mm/mm-context.js';
import { TTM_CACHING, ttmCachingName, ttmProtFromCaching } from './caching.js';
import { chainMark, chainRewind, chainSnapshot } from '../../chain.js';
import type { TtmBo } from './bo.js';
import { ttmTtPopulate } from './bo.js';
import { vunmapCall } from '../../mm/vmalloc.js';

/** PAGE_KERNEL's non-cache bits (present, rw, accessed, dirty, global), as in calls/mm-calls.ts. */
export const PAGE_KERNEL = 0x1 | 0x2 | 0x20 | 0x40 | 0x100;

/** `struct ttm_bo_kmap_obj`. */
export interface TtmBoKmapObj {
  kind: 'kmap' | 'vmap' | 'iomap';
  vaddr: number;
  /** The page for `kmap` (kunmap needs it). */
  page: number;
  npages: number;
  mode: CacheMode;
}

function mapEvent(k: MmContext, call: string, space: 'vmalloc' | 'kmap', pfn: number, npages: number, mode: CacheMode): void {
  const chain = chainSnapshot(k.log);
  k.log.events.push({ kind: 'map', step: k.log.step, call, space, pfn, npages, requested: mode, installed: mode, ...(chain ? { chain } : {}) });
}

/** The decision-log links of a tt mapping: TTM's caching → prot, then the mapping call, which takes the prot as given. */
function ttCachingLinks(k: MmContext, bo: TtmBo, caller: string, call: string, bits: number, how: string): void {
  const mode = cacheModeShort(k.tables.pgprot2cachemode(bits));
  k.log.chain?.push({ fn: `${caller} -> ttm_prot_from_caching`, read: `tt caching ${ttmCachingName(bo.ttm!.caching)}`, result: `prot ${mode}` });
  k.log.chain?.push({ fn: call, read: `prot ${mode}`, result: how });
}

function ioremapBo(k: MmContext, bo: TtmBo, start: number, n: number): TtmBoKmapObj | null {
  // ttm_bo_ioremap: WC → ioremap_wc, cached → ioremap_cache, else ioremap.
  const c = bo.resource.busCaching;
  const mode = c === TTM_CACHING.write_combined ? CM.WC : c === TTM_CACHING.cached ? CM.WB : CM.UC_MINUS;
  const r = ioremapCaller(k, bo.resource.busOffset + start * 4096, n * 4096, mode);
  if (r.vaddr === null) return null;
  return { kind: 'iomap', vaddr: r.vaddr, page: -1, npages: n, mode: r.pcm ?? mode };
}

/**
 * `ttm_bo_kmap(bo, start_page, num_pages, map)`: iomem → ioremap; tt →
 * populate first, then a single page of a **cached** tt through `kmap()`
 * (WB), anything else through `vmap(pages, n, 0, ttm_prot_from_caching(
 * caching, PAGE_KERNEL))`.
 */
export function ttmBoKmap(k: MmContext, bo: TtmBo, start: number, n: number): { ret: number; map?: TtmBoKmapObj } {
  if (n < 1 || start + n > bo.numPages) return { ret: -22 };
  if (bo.resource.isIomem) {
    const m = ioremapBo(k, bo, start, n);
    return m ? { ret: 0, map: m } : { ret: -ENOMEM };
  }
  const r = ttmTtPopulate(k, bo);
  if (r.ret) return { ret: r.ret };
  const tt = bo.ttm!;
  if (n === 1 && tt.caching === TTM_CACHING.cached) {
    const pfn = tt.pages[start]!;
    const va = k.highmem.kmap(pfn);
    // A lowmem page's kmap is its direct-map address: no new mapping.
    if (k.pages.isHighMem(pfn)) mapEvent(k, 'kmap', 'kmap', pfn, 1, CM.WB);
    return { ret: 0, map: { kind: 'kmap', vaddr: va, page: pfn, npages: 1, mode: CM.WB } };
  }
  return vmapTt(k, bo, start, n, 'ttm_bo_kmap');
}

function vmapTt(k: MmContext, bo: TtmBo, start: number, n: number, call: string): { ret: number; map?: TtmBoKmapObj } {
  const tt = bo.ttm!;
  const bits = ttmProtFromCaching(k, tt.caching, PAGE_KERNEL);
  const pages = tt.pages.subarray(start, start + n);
  const va = k.vmalloc.vmap(pages, bits);
  if (va === null) return { ret: -ENOMEM };
  const mode = k.tables.pgprot2cachemode(bits);
  const mark = chainMark(k.log);
  ttCachingLinks(k, bo, call, 'vmap', bits, 'PTEs with that prot, no PAT lookup');
  // One event per contiguous pfn run keeps a million-page vmap small when pages are contiguous.
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && pages[i] === pages[i - 1]! + 1) continue;
    mapEvent(k, call, 'vmalloc', pages[runStart]!, i - runStart, mode);
    runStart = i;
  }
  chainRewind(k.log, mark);
  return { ret: 0, map: { kind: 'vmap', vaddr: va, page: -1, npages: n, mode } };
}

/** `ttm_bo_kunmap(map)`. */
export function ttmBoKunmap(k: MmContext, map: TtmBoKmapObj): void {
  if (map.kind === 'kmap') k.highmem.kunmap(map.page);
  else if (map.kind === 'vmap') vunmapCall(k, map.vaddr);
  else vunmapCall(k, map.vaddr - (map.vaddr % 4096));
}

/**
 * `ttm_bo_vmap(bo, map)`: the whole BO. iomem → ioremap by `bus.caching`;
 * tt → populate, then `vmap(ttm->pages, num_pages, 0, prot)` with
 * `prot = ttm_prot_from_caching(ttm->caching, PAGE_KERNEL)`.
 */
export function ttmBoVmap(k: MmContext, bo: TtmBo): { ret: number; map?: TtmBoKmapObj } {
  if (bo.resource.isIomem) {
    const m = ioremapBo(k, bo, 0, bo.numPages);
    return m ? { ret: 0, map: m } : { ret: -ENOMEM };
  }
  const r = ttmTtPopulate(k, bo);
  if (r.ret) return { ret: r.ret };
  return vmapTt(k, bo, 0, bo.numPages, 'ttm_bo_vmap');
}

/**
 * `ttm_kmap_iter_tt_map_local(iter, dmap, i)` — the mapping TTM's move/clear
 * copies use (`ttm_move_memcpy`): `kmap_local_page_prot(tt->pages[i],
 * ttm_prot_from_caching(tt->caching, PAGE_KERNEL))`. A highmem page gets a
 * fixmap slot with the tt's caching (WC for a WC tt); a lowmem page returns
 * its direct-map address, whose caching `set_pages_array_*` already set.
 * Left mapped until `kunmap_local` so a check can see the alias.
 */
export function ttmKmapIterTtMapLocal(k: MmContext, bo: TtmBo, i: number): { ret: number; vaddr?: number; pfn?: number; mode?: CacheMode; newMapping?: boolean } {
  const tt = bo.ttm;
  if (!tt || i < 0 || i >= tt.numPages) return { ret: -22 };
  const pfn = tt.pages[i]!;
  if (pfn < 0) return { ret: -22 };
  const bits = ttmProtFromCaching(k, tt.caching, PAGE_KERNEL);
  const va = k.highmem.kmapLocalPageProt(pfn, bits);
  const mode = k.tables.pgprot2cachemode(bits);
  const highmem = k.pages.isHighMem(pfn);
  const mark = chainMark(k.log);
  ttCachingLinks(k, bo, 'ttm_kmap_iter_tt_map_local', 'kmap_local_page_prot', bits, 'highmem page: a fixmap slot with that prot, no PAT lookup');
  if (highmem) mapEvent(k, 'kmap_local_page_prot', 'kmap', pfn, 1, mode);
  chainRewind(k.log, mark);
  return { ret: 0, vaddr: va, pfn, mode, newMapping: highmem };
}
