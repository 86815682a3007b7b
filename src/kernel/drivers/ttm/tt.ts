/**
 * `struct ttm_tt` (include/drm/ttm/ttm_tt.h, drivers/gpu/drm/ttm/ttm_tt.c;
 * spec 05 §2): the system-memory backing of a buffer object. Its caching is
 * chosen by the driver at `ttm_tt_init` and is what the pool applies and the
 * fault path requests.
 *
 * Per-page state is typed arrays, made when first used: `pages[i]` is the pfn of page i (-1: none,
 * or backed up), `order[i]` is the allocation order stored in the head
 * page's `page->private` (-1 on tail slots).
 */

import type { TtmCaching } from './caching.js';

export class TtmTt {
  /** The per-page arrays, made on first use: a tt that is never populated (a huge BO) costs nothing per page. */
  private pagesArr: Int32Array | null = null;
  private orderArr: Int8Array | null = null;
  /** `TTM_TT_FLAG_PRIV_POPULATED`. */
  populated = false;
  /** `ttm_tt_is_backed_up()`: contents moved to shmem by `ttm_pool_backup`, pages gone. */
  backedUp = false;
  /** Pages counted in `ttm_pages_allocated` (and dma32) by `ttm_tt_populate`. */
  accounted = false;
  /**
   * The pages a real kernel's pool gave this tt, per page index (patlab probe's replay, like
   * alloc_pages `pfns:`): a fresh block for index i is taken at `replay[i]` when that is free.
   */
  replay: readonly number[] | null = null;

  constructor(
    readonly numPages: number,
    /** `tt->caching`. */
    readonly caching: TtmCaching,
    /** `tt->dma_address` exists (`ttm_sg_tt_init` / `ttm_dma_tt_init`). */
    readonly hasDmaAddress: boolean,
  ) {}

  /** pfn per page index (-1: none, or backed up). */
  get pages(): Int32Array {
    return (this.pagesArr ??= new Int32Array(this.numPages).fill(-1));
  }

  /** Allocation order per page index (-1 on tail slots). */
  get order(): Int8Array {
    return (this.orderArr ??= new Int8Array(this.numPages).fill(-1));
  }

  /** Pages currently backing the tt. */
  countPresent(): number {
    if (!this.pagesArr) return 0;
    let n = 0;
    for (let i = 0; i < this.numPages; i++) if (this.pages[i]! >= 0) n++;
    return n;
  }
}

/** `ttm_tt_init(ttm, bo, page_flags, caching, extra_pages)`: a tt of `numPages` with `caching`, no pages yet. */
export function ttmTtInit(numPages: number, caching: TtmCaching, hasDmaAddress = true): TtmTt {
  return new TtmTt(numPages, caching, hasDmaAddress);
}
