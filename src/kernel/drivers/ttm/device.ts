/**
 * `struct ttm_device` and its `struct ttm_pool` (drivers/gpu/drm/ttm/
 * ttm_device.c `ttm_device_init`, ttm_pool.c `ttm_pool_init`; spec 05 §3.1,
 * spec/07 (b) 12).
 *
 * Pool configuration is the driver's choice at init, so it is an argument
 * here, not a machine property. Defaults (documented choice): no coherent
 * DMA API pool (`use_dma_alloc` false: true only for drivers that need
 * `dma_alloc_attrs`, e.g. radeon/amdgpu with swiotlb or without an IOMMU
 * in some configs), no dma32 (`use_dma32` false: radeon/nouveau set it for
 * GPUs with 32-bit DMA addressing, and some drivers force it on 32-bit).
 */

import type { MmContext } from '../../mm/mm-context.js';
import { vmState } from '../../vm/mm.js';
import type { VmFile } from '../../vm/vma.js';
import { TTM_NUM_CACHING_TYPES, type TtmCaching } from './caching.js';
import { registerFaultHandler } from '../vm-ops.js';
import { ttmBoVmFault } from './fault.js';
import { TtmPoolType } from './pool-type.js';
import { NR_PAGE_ORDERS, ttmGlobalInit } from './ttm-global.js';

export interface TtmPool {
  readonly id: number;
  /** `ttm_pool_uses_dma_alloc(pool)`: pages come from `dma_alloc_attrs` and every caching is pooled per device. */
  readonly useDmaAlloc: boolean;
  /** `ttm_pool_uses_dma32(pool)`: allocate with GFP_DMA32 instead of GFP_HIGHUSER; use the dma32 global types. */
  readonly useDma32: boolean;
  /** `pool->caching[c].orders[o]`, only with `useDmaAlloc`. */
  readonly types: TtmPoolType[][] | null;
}

export interface TtmDevice {
  readonly id: number;
  readonly name: string;
  readonly pool: TtmPool;
  /** Whether tt pages get DMA addresses (`ttm_sg_tt_init` / `TTM_TT_FLAG_*`): almost every GPU driver does. */
  readonly dmaMapped: boolean;
  /** `bdev->dev_mapping`: the DRM device file every BO is mmap'ed through (at its fake offset). */
  readonly file: VmFile;
}

export interface TtmDeviceOpts {
  name?: string;
  useDmaAlloc?: boolean;
  useDma32?: boolean;
  /** `page_pool_size` module parameter in pages (0/absent: half of RAM); only the first device's value counts. */
  pagePoolSize?: number;
}

/** `ttm_device_init(bdev, funcs, dev, mapping, vma_manager, alloc_flags)` → `ttm_global_init` (first device) + `ttm_pool_init`. */
export function ttmDeviceInit(k: MmContext, opts: TtmDeviceOpts = {}): TtmDevice {
  const g = ttmGlobalInit(k, opts.pagePoolSize);
  const id = g.devices.length + 1;
  const useDmaAlloc = opts.useDmaAlloc ?? false;
  let types: TtmPoolType[][] | null = null;
  if (useDmaAlloc) {
    types = [];
    for (let c = 0; c < TTM_NUM_CACHING_TYPES; c++) {
      const row: TtmPoolType[] = [];
      for (let o = 0; o < NR_PAGE_ORDERS; o++) {
        const pt = new TtmPoolType(c as TtmCaching, o, id, false);
        row.push(pt);
        g.shrinkerList.push(pt);
      }
      types.push(row);
    }
  }
  const dev: TtmDevice = { id, name: opts.name ?? `ttm${id}`, pool: { id, useDmaAlloc, useDma32: opts.useDma32 ?? false, types }, dmaMapped: true, file: vmState(k).newFile('drm', { ownsPagesUnrefcounted: true }) };
  g.devices.push(dev);
  // The device file's vm_ops->fault is TTM's (ttm_bo_vm_ops), unless a driver wraps it (not modelled).
  registerFaultHandler(dev.file, (kk, mm, addr) => ttmBoVmFault(kk, addr, mm).ret);
  return dev;
}
