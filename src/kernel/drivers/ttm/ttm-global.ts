/**
 * TTM's module-wide state (drivers/gpu/drm/ttm/ttm_pool.c, ttm_tt.c,
 * ttm_device.c `ttm_global_init`; spec 05 §3.1, spec/07 (b) 12), one per
 * booted kernel: the x86 global pool types, the shrinker list, the pooled
 * page count and its limit, the tt page accounting, and the devices and
 * buffer objects a scenario created.
 *
 * A kernel subsystem (kernel/subsystems.ts), created by the first
 * `ttm_device_init`, as the kernel creates it at the first device's
 * `ttm_global_init`.
 */

import { subsystemKey } from '../../subsystems.js';
import { MAX_ORDER } from '../../mm/page-alloc.js';
import type { MmContext } from '../../mm/mm-context.js';
import { TTM_CACHING, type TtmCaching } from './caching.js';
import { TtmPoolType } from './pool-type.js';
import type { TtmBo } from './bo.js';
import type { TtmDevice } from './device.js';

/** NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1): pool types exist for orders 0..MAX_PAGE_ORDER. */
export const NR_PAGE_ORDERS = MAX_ORDER + 1;

export class TtmGlobal {
  /** `global_write_combined[]`, `global_uncached[]`, and their dma32 twins (x86 only). */
  readonly wc: TtmPoolType[] = [];
  readonly uc: TtmPoolType[] = [];
  readonly dma32Wc: TtmPoolType[] = [];
  readonly dma32Uc: TtmPoolType[] = [];
  /** `shrinker_list`: every pool type in init order; `ttm_pool_shrink` rotates the first to the tail. */
  readonly shrinkerList: TtmPoolType[] = [];
  /** `allocated_pages`: pages held by all pool types. */
  allocatedPages = 0;
  /** Peak of `allocated_pages` (for costs and the bench). */
  allocatedPagesPeak = 0;
  /** `page_pool_size` (module parameter; 0 → `ttm_pool_mgr_init(num_pages)`). */
  pagePoolSize: number;
  /** `ttm_pages_allocated` / `ttm_dma32_pages_allocated` and their limits (`ttm_tt_mgr_init`). */
  ttPagesAllocated = 0;
  ttDma32PagesAllocated = 0;
  readonly ttPagesLimit: number;
  readonly ttDma32PagesLimit: number;
  readonly devices: TtmDevice[] = [];
  readonly bos = new Map<number, TtmBo>();
  nextBoId = 1;
  /** `drm_vma_offset_manager`: next free fake mmap offset, in pages (each BO gets its own range). */
  nextVmaNodePage = 0x10000;

  constructor(k: MmContext, pagePoolSize: number | undefined) {
    // ttm_global_init: si.totalram (managed pages) / 2 for pools and tts; dma32 tts: lowmem, at most 2 GiB.
    // si.totalram / totalhigh: the pages the zones manage, counted once by the allocator at boot.
    let total = 0;
    let high = 0;
    for (const [zone, n] of k.allocator.managed) {
      total += n;
      if (zone === 'HighMem') high += n;
    }
    const half = Math.floor(total / 2);
    this.pagePoolSize = pagePoolSize && pagePoolSize > 0 ? pagePoolSize : half;
    this.ttPagesLimit = half;
    this.ttDma32PagesLimit = Math.min(total - high, 2 ** (30 - 12) * 2);
    // ttm_pool_mgr_init: per order, WC, UC, dma32 WC, dma32 UC, each added to the shrinker list.
    for (let o = 0; o < NR_PAGE_ORDERS; o++) {
      this.addType(this.wc, new TtmPoolType(TTM_CACHING.write_combined, o, null, false));
      this.addType(this.uc, new TtmPoolType(TTM_CACHING.uncached, o, null, false));
      this.addType(this.dma32Wc, new TtmPoolType(TTM_CACHING.write_combined, o, null, true));
      this.addType(this.dma32Uc, new TtmPoolType(TTM_CACHING.uncached, o, null, true));
    }
  }

  private addType(arr: TtmPoolType[], pt: TtmPoolType): void {
    arr.push(pt);
    this.shrinkerList.push(pt);
  }

  /** The global type for a caching (x86 `ttm_pool_select_type` switch), or null for cached. */
  globalType(caching: TtmCaching, order: number, dma32: boolean): TtmPoolType | null {
    if (caching === TTM_CACHING.write_combined) return (dma32 ? this.dma32Wc : this.wc)[order]!;
    if (caching === TTM_CACHING.uncached) return (dma32 ? this.dma32Uc : this.uc)[order]!;
    return null;
  }

  /** Pages held per pool type with any, for dumps and the property test: `wc_o0`, `dma32_uc_o3`, `pool1_wb_o0`. */
  poolContents(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const pt of this.shrinkerList) {
      if (pt.count === 0) continue;
      const name = `${pt.poolId !== null ? `pool${pt.poolId}_` : ''}${pt.dma32 ? 'dma32_' : ''}${['uc', 'wc', 'wb'][pt.caching]}_o${pt.order}`;
      out[name] = pt.pages;
    }
    return out;
  }
}

/** TTM's globals start with `ttm_global_init` (it needs the pool size), never implicitly. */
const TTM = subsystemKey<TtmGlobal>('ttm', () => {
  throw new Error('TTM: ttm_global_init first');
});

/** The TTM state of a kernel, or null before the first `ttm_device_init`. */
export function ttmGlobalOf(k: MmContext): TtmGlobal | null {
  return k.subsystems.peek(TTM) ?? null;
}

/** `ttm_global_init` on first use (spec/07 (b) 12: `page_pool_size` default = half of RAM). */
export function ttmGlobalInit(k: MmContext, pagePoolSize?: number): TtmGlobal {
  return k.subsystems.peek(TTM) ?? k.subsystems.set(TTM, new TtmGlobal(k, pagePoolSize));
}

/** The TTM state, which a call before any device exists cannot use. */
export function ttmGlobal(k: MmContext): TtmGlobal {
  const g = k.subsystems.peek(TTM);
  if (!g) throw new Error('TTM: no ttm_device_init yet');
  return g;
}
