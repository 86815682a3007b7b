/**
 * `struct ttm_buffer_object` with its resource and tt (drivers/gpu/drm/ttm/
 * ttm_bo.c, ttm_tt.c `ttm_tt_populate`/`ttm_tt_unpopulate`, ttm_bo_util.c
 * `ttm_io_prot`; spec 05 §2, §4).
 *
 * A BO is created in one placement: system/GTT memory backed by a tt (the
 * case of the debate), or VRAM (iomem at a physical bus address with the
 * driver's `bus.caching`). Moves between placements are not modelled; a
 * driver that "moves" a BO out of system memory is modelled as
 * `ttm_bo_unmap_virtual` + `ttm_tt_unpopulate`.
 */

import { EINVAL, ENOMEM } from '../../errno.js';
import { warnOnOnce } from '../../vm/bug.js';
import { NotModelledError } from '../../not-modelled.js';
import type { MmContext } from '../../mm/mm-context.js';
import { ttmProtFromCaching, type TtmCaching } from './caching.js';
import type { TtmDevice } from './device.js';
import { ttmPoolAlloc, ttmPoolFree, type PoolAllocStats } from './pool.js';
import { ttmGlobal } from './ttm-global.js';
import { ttmTtInit, type TtmTt } from './tt.js';

export type TtmPlacement = 'system' | 'tt' | 'vram';

export interface TtmResource {
  memType: TtmPlacement;
  /** `bus.is_iomem`: VRAM (the BAR) rather than a tt. */
  isIomem: boolean;
  /** `bus.offset`: physical address of the BO in the BAR (iomem only). */
  busOffset: number;
  /** `bus.caching` (iomem only): chosen by the driver's `io_mem_reserve`. */
  busCaching: TtmCaching;
}

export interface TtmBo {
  readonly id: number;
  readonly dev: TtmDevice;
  readonly numPages: number;
  readonly resource: TtmResource;
  /** `bo->ttm`: null for iomem BOs. */
  readonly ttm: TtmTt | null;
  /** `drm_vma_node_start(&bo->base.vma_node)`: the fake mmap offset in pages. */
  readonly vmaNodeStart: number;
  /** GEM object references: the creator's, one per VMA (`ttm_bo_mmap_obj`, `vm_ops->open`). */
  refs: number;
  /** Released (`ttm_bo_release` ran). */
  dead: boolean;
}

export interface TtmBoCreateOpts {
  placement?: TtmPlacement;
  caching: TtmCaching;
  /** VRAM: physical bus address. */
  busOffset?: number;
}

/**
 * BO creation as a driver does it (`ttm_bo_init_reserved` + the driver's
 * `ttm_tt_create` → `ttm_tt_init(ttm, bo, flags, caching, 0)`): a tt of
 * `numPages` with the driver's caching for system/GTT placements; for VRAM
 * the caching becomes `bus.caching`. No pages are allocated yet.
 */
export function ttmBoCreate(k: MmContext, dev: TtmDevice, numPages: number, opts: TtmBoCreateOpts): TtmBo {
  const bo = ttmBoTryCreate(k, dev, numPages, opts);
  if (typeof bo === 'number') throw new Error(`ttm_bo_create of ${numPages} pages failed (${bo}): use ttmBoTryCreate`);
  return bo;
}

/**
 * `ttm_tt_init` → `ttm_tt_alloc_page_directory`: `kvcalloc(num_pages,
 * sizeof(void *) [+ sizeof(dma_addr_t)])`. `kvmalloc_node` refuses any size
 * above INT_MAX with a WARN_ON_ONCE (since v5.15) and returns NULL; TTM
 * then prints "Failed allocating page table" and fails with -ENOMEM. Below
 * that the model assumes the allocation succeeds.
 */
export function ttmTtAllocPageDirectory(k: MmContext, numPages: number, hasDmaAddress: boolean): number {
  const ptr = k.is64 ? 8 : 4;
  const bytes = numPages * (ptr + (hasDmaAddress ? 8 : 0));
  if (bytes <= 0x7fffffff) return 0;
  warnOnOnce(k, 'kvmalloc_node');
  k.log.refuse('kvmalloc_node', `size ${bytes} > INT_MAX (the tt's page directory of ${numPages} pages)`, 'NULL');
  k.log.emit('err', 'Failed allocating page table');
  return -ENOMEM;
}

/** `ttm_bo_create` (the model's entry: init, placement, tt): the BO, or -ENOMEM when its tt's page directory cannot be allocated. */
export function ttmBoTryCreate(k: MmContext, dev: TtmDevice, numPages: number, opts: TtmBoCreateOpts): TtmBo | number {
  const g = ttmGlobal(k);
  const placement = opts.placement ?? 'tt';
  const isIomem = placement === 'vram';
  // drm_vma_offset_add() of 0 pages is drm_mm's business, which the model does not have: say so, never map nothing.
  if (numPages <= 0) throw new NotModelledError('a TTM buffer object of size 0 (drm_vma_offset_add of 0 pages)');
  if (!isIomem) {
    const err = ttmTtAllocPageDirectory(k, numPages, dev.dmaMapped);
    if (err) return err;
  }
  const bo: TtmBo = {
    id: g.nextBoId++,
    dev,
    numPages,
    resource: { memType: placement, isIomem, busOffset: opts.busOffset ?? 0, busCaching: opts.caching },
    ttm: isIomem ? null : ttmTtInit(numPages, opts.caching, dev.dmaMapped),
    vmaNodeStart: g.nextVmaNodePage,
    refs: 1,
    dead: false,
  };
  g.nextVmaNodePage += numPages;
  g.bos.set(bo.id, bo);
  return bo;
}

/**
 * `ttm_io_prot(bo, res, prot)` (ttm_bo_util.c; spec 05 §2): a tt-backed
 * resource uses `bo->ttm->caching`, iomem the resource's `bus.caching`
 * (`TTM_TT_FLAG_DECRYPTED` / memory encryption: not modelled).
 */
export function ttmIoProt(k: MmContext, bo: TtmBo, prot: number): number {
  const caching = bo.resource.isIomem || !bo.ttm ? bo.resource.busCaching : bo.ttm.caching;
  return ttmProtFromCaching(k, caching, prot);
}

/**
 * `ttm_tt_populate(bdev, ttm, ctx)` (reached as `ttm_bo_populate`): nothing
 * if populated; account the pages against `ttm_pages_limit` (and the dma32
 * limit with a dma32 pool) — over the limit the kernel calls
 * `ttm_global_swapout`, not modelled: the model proceeds as if nothing could
 * be swapped — then the driver's populate, i.e. `ttm_pool_alloc`. Restoring
 * a backed-up tt is not modelled (-EINVAL).
 */
export function ttmTtPopulate(k: MmContext, bo: TtmBo): { ret: number; stats: PoolAllocStats | null } {
  const tt = bo.ttm;
  if (!tt) return { ret: -EINVAL, stats: null };
  if (tt.populated) return { ret: 0, stats: null };
  if (tt.backedUp) return { ret: -EINVAL, stats: null };
  const g = ttmGlobal(k);
  g.ttPagesAllocated += tt.numPages;
  if (bo.dev.pool.useDma32) g.ttDma32PagesAllocated += tt.numPages;
  tt.accounted = true;
  const r = ttmPoolAlloc(k, bo.dev.pool, tt);
  if (r.ret) unaccount(k, bo);
  return r;
}

function unaccount(k: MmContext, bo: TtmBo): void {
  const tt = bo.ttm!;
  if (!tt.accounted) return;
  const g = ttmGlobal(k);
  g.ttPagesAllocated -= tt.numPages;
  if (bo.dev.pool.useDma32) g.ttDma32PagesAllocated -= tt.numPages;
  tt.accounted = false;
}

/** `ttm_tt_unpopulate(bdev, ttm)`: the driver's unpopulate = `ttm_pool_free`, then unaccount. A backed-up tt just drops its handles. */
export function ttmTtUnpopulate(k: MmContext, bo: TtmBo): void {
  const tt = bo.ttm;
  if (!tt) return;
  if (tt.backedUp) {
    tt.backedUp = false;
    unaccount(k, bo);
    return;
  }
  if (!tt.populated) return;
  ttmPoolFree(k, bo.dev.pool, tt);
  unaccount(k, bo);
}
